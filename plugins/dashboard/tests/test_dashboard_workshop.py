"""End to end: ``labdeck serve`` with the real notes and terminal plugins and the example
workshops (examples/raneto, examples/modules), driven in Chromium the way an attendee clicks
through them. (Real published workshops: test_conformance_dashboard.py.)

The shells are real (bash) but find a stand-in ``kubectl`` first on their PATH (conftest's
``shell_home``), so a workshop's commands give known output whatever is installed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import re
import socket
import threading

import pytest
from playwright.sync_api import expect


def screen(page, session):
    """What terminal ``session`` shows (works for xterm.js and Butterfly pages alike)."""
    return page.frame_locator(f"iframe.ld-terminal[data-session='{session}']").locator("body")


def open_notes_page(page, url):
    page.locator("#ld-notes").element_handle().content_frame().goto(url)


@pytest.mark.parametrize("backend", ["own", "butterfly"])
def test_execute_blocks_run_in_their_terminals_and_ctrl_c_interrupts(attendee, backend):
    if backend == "butterfly" and importlib.util.find_spec("butterfly") is None:
        pytest.skip("Butterfly is not installed (pip install 'labdeck-terminal[butterfly]')")
    server, browsing = attendee("raneto", TERMINAL_TAB="split", TERMINAL_BACKEND=backend)
    page = browsing.page
    open_notes_page(page, f"{server.url}notes/exercises/02-scaling")
    notes = page.frame_locator("#ld-notes")

    notes.locator(".ld-execute[data-session='1']", has_text="--watch").click()  # execute-1
    expect(screen(page, "1")).to_contain_text("watching pods")
    notes.locator(".ld-execute[data-session='2']", has_text="kubectl delete").click()  # execute-2
    expect(screen(page, "2")).to_contain_text("kubectl ran: delete")
    expect(screen(page, "1")).not_to_contain_text("delete")

    notes.locator("[data-action='terminal:interrupt']").click()  # <ctrl+c>, execute-1
    notes.locator(".ld-execute", has_text=re.compile(r"^\s*kubectl get pods -l app=blog\s*$")).first.click()
    # only a shell that got its prompt back runs this; a sleep would just echo the keys
    expect(screen(page, "1")).to_contain_text("kubectl ran: get pods -l app=blog")
    assert browsing.errors == []


def test_copy_block_puts_its_text_on_the_clipboard(attendee):
    server, browsing = attendee("modules")
    page = browsing.page
    open_notes_page(page, f"{server.url}notes/exercises/01-page-formatting")
    block = page.frame_locator("#ld-notes").locator(".ld-copy", has_text="echo copy").first
    block.click()
    expect(block).to_contain_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == "echo copy"


@pytest.mark.parametrize("workshop", ["workshop", "raneto"])
def test_next_and_previous_walk_every_page_without_a_javascript_error(attendee, walk_buttons, workshop):
    walk_buttons(attendee(workshop)[1])


def test_split_2_gives_three_working_terminals_and_the_gutter_keeps_its_place(attendee):
    _, browsing = attendee("raneto", TERMINAL_TAB="split/2")
    page = browsing.page
    notes_frame = page.locator("#ld-notes").element_handle().content_frame()
    for session, number in (("1", 11), ("2", 22), ("3", 33)):
        notes_frame.evaluate(
            "([session, command]) => parent.postMessage("
            "{labdeck: 1, action: 'terminal:execute', args: {session, command}}, location.origin)",
            [session, f"echo term-$(({number}*2))"],
        )
    for session, number in (("1", 22), ("2", 44), ("3", 66)):
        expect(screen(page, session)).to_contain_text(f"term-{number}")

    pane = page.locator("#ld-notes-pane")
    width = pane.bounding_box()["width"]
    gutter = page.locator(".gutter-horizontal").bounding_box()
    x, y = gutter["x"] + gutter["width"] / 2, gutter["y"] + 300
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 150, y, steps=6)
    page.mouse.up()
    assert pane.bounding_box()["width"] == pytest.approx(width - 150, abs=8)
    page.reload()
    expect(screen(page, "3")).to_contain_text("term-66")  # the same shells, replayed
    assert pane.bounding_box()["width"] == pytest.approx(width - 150, abs=8)
    assert browsing.errors == []


def test_links_in_the_notes_open_the_dashboard_tabs(attendee):
    server, browsing = attendee("modules")
    page = browsing.page
    open_notes_page(page, f"{server.url}notes/exercises/03-embedded-links")
    notes = page.frame_locator("#ld-notes")
    selected = page.locator(".ld-tab[aria-selected='true']")

    notes.get_by_role("link", name="Slides", exact=True).click()  # %slides_url%
    expect(selected).to_have_text("Slides")
    slides = page.locator(".ld-panel[data-tab='Slides'] iframe")
    expect(slides).to_have_attribute("src", re.compile(r"notes/slides/?$"))
    notes.get_by_role("link", name="Questions", exact=True).click()  # %slides_url%#/questions
    expect(slides).to_have_attribute("src", re.compile(r"notes/slides/?#/questions$"))

    notes.get_by_role("link", name="Terminal", exact=True).click()  # %terminal_url%
    expect(selected).to_have_text("Terminal")
    with page.context.expect_page() as opened:
        notes.get_by_role("link", name="Session", exact=True).click()  # %terminal_url%/session/3
    expect(opened.value).to_have_url(f"{server.url}terminal/session/3")
    expect(notes.locator("h1")).to_have_count(1)  # the notes stayed on their page
    assert "03-embedded-links" in page.locator("#ld-notes").element_handle().content_frame().url


def test_copy_and_edit_copies_to_the_clipboard_and_leaves_the_terminal_alone(attendee):
    server, browsing = attendee("modules")
    page = browsing.page
    open_notes_page(page, f"{server.url}notes/exercises/01-page-formatting")
    block = page.frame_locator("#ld-notes").locator(".ld-copy-and-edit", has_text="echo copy-and-edit").first
    block.click()
    expect(block).to_contain_text("Copied: change it before use")
    assert page.evaluate("navigator.clipboard.readText()") == "echo copy-and-edit"
    # as the original did and the page itself says: the attendee pastes it where it belongs
    expect(screen(page, "1")).not_to_contain_text("copy-and-edit")
    assert browsing.errors == []


LONG_COMMAND = ("kubectl create deployment blog --image=quay.io/openshiftlabs/blog-django-py:latest --replicas=3 "
                "--port=8080 --dry-run=client --output=yaml && echo the-end-$((6*7))")

# In the notes frame: the command's line boxes, the icon's box, what is hidden by scrolling.
LAYOUT = """(block) => {
  const code = block.querySelector("code"), pre = block.querySelector("pre");
  const box = (r) => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom});
  const range = document.createRange();
  range.selectNodeContents(code);
  const last = document.createRange();
  last.setStart(code.firstChild, code.firstChild.length - 8);
  last.setEnd(code.firstChild, code.firstChild.length);
  return {lines: [...range.getClientRects()].map(box), last: [...last.getClientRects()].map(box),
          icon: box(block.querySelector(".ld-code-icon").getBoundingClientRect()),
          pre: box(pre.getBoundingClientRect()), hidden: pre.scrollWidth - pre.clientWidth,
          width: document.documentElement.clientWidth};
}"""


def overlaps(a, b) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def test_a_long_command_is_readable_beside_its_icon_at_the_default_notes_width(attendee, tmp_path):
    content = tmp_path / "long"
    content.mkdir()
    (content / "index.md").write_text(f"# A long command\n\n```execute\n{LONG_COMMAND}\n```\n")
    _, browsing = attendee(content)
    page = browsing.page
    notes = page.frame_locator("#ld-notes")
    block = notes.locator(".ld-execute")
    expect(block).to_be_visible()
    assert page.locator("#ld-notes").bounding_box()["width"] < 0.45 * 1280  # the dashboard's default split
    layout = block.evaluate(LAYOUT)
    assert len({line["top"] for line in layout["lines"]}) > 1  # too long for one line here: it wraps
    assert layout["hidden"] <= 0  # nothing scrolled out of sight
    assert layout["last"], "the command's last characters are laid out"
    for line in layout["lines"]:
        assert not overlaps(line, layout["icon"]), (line, layout["icon"])  # beside the icon, never under it
        assert layout["pre"]["left"] <= line["left"] and line["right"] <= min(layout["pre"]["right"], layout["width"])
    # wrapping is only how it looks: the terminal gets the one command
    block.click()
    expect(screen(page, "1")).to_contain_text("kubectl ran: create deployment blog")
    expect(screen(page, "1")).to_contain_text("the-end-42")  # its last words ran too
    assert browsing.errors == []


def test_the_title_follows_the_notes_page_while_a_picture_on_it_never_arrives(attendee, tmp_path):
    """A page's picture (or a workshop's analytics script) from a host that does not answer holds
    the notes frame's load event; the dashboard shows the new page's title without waiting for it."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    held: list[socket.socket] = []

    def hold() -> None:  # accept, and never answer
        with contextlib.suppress(OSError):
            while True:
                held.append(silent.accept()[0])

    threading.Thread(target=hold, daemon=True).start()
    port = silent.getsockname()[1]
    content = tmp_path / "silent"
    content.mkdir()
    (content / "01-first.md").write_text("# First\n\nThe first page.\n")
    (content / "02-second.md").write_text(f'# Second\n\n<img src="http://127.0.0.1:{port}/never.png" alt="">\n')
    try:
        _, browsing = attendee(content)
        page = browsing.page
        notes = page.frame_locator("#ld-notes")
        expect(page).to_have_title(re.compile("^First"))
        notes.locator("a[rel='next']").click()
        expect(page).to_have_title(re.compile("^Second"))
        frame = page.locator("#ld-notes").element_handle().content_frame()
        assert frame.evaluate("document.readyState") != "complete"  # the picture is still on its way
    finally:
        silent.close()
        for connection in held:
            connection.close()
