"""The notes in real Chromium: clicks post action-bus messages, copy, keyboard, live reload."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "workshop"

# A stand-in dashboard, served from the content folder so it has the notes' origin.
PARENT = """<!doctype html><html><body>
<iframe id="notes" src="exercises/01-first-commands" style="width:900px;height:700px"></iframe>
<script>
window.received = [];
window.addEventListener("message", function (event) {
  window.received.push({origin: event.origin, data: event.data});
});
</script></body></html>"""


@pytest.fixture
def notes_server(labdeck_server, tmp_path):
    workshop = tmp_path / "workshop"
    shutil.copytree(EXAMPLE, workshop)
    (workshop / "workshop" / "content" / "parent.html").write_text(PARENT)
    server = labdeck_server(env={"WORKSHOP_DIR": str(workshop), "URI_ROOT_PATH": "/user/alice/"},
                            args=["--auth", "none"])
    return server, workshop


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    yield context.new_page()
    context.close()


def test_clicks_post_action_bus_messages_to_the_dashboard(notes_server, page):
    server, _ = notes_server
    assert server.url.endswith("/user/alice/")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(server.url + "notes/parent.html")
    frame = page.frame_locator("#notes")
    blocks = frame.locator(".ld-code")
    blocks.nth(0).click()
    frame.locator(".ld-code-feedback", has_text="Sent to the terminal").first.wait_for()
    blocks.nth(1).focus()
    page.keyboard.press("Enter")
    blocks.nth(3).click()  # <ctrl-c>
    page.wait_for_function("window.received.length >= 3")
    received = page.evaluate("window.received")
    origin = server.url.split("/user/")[0]
    assert all(item["origin"] == origin for item in received)
    assert [item["data"] for item in received] == [
        {"labdeck": 1, "action": "terminal:execute",
         "args": {"session": "1", "command": 'echo "Hello from the notes"; date'}},
        {"labdeck": 1, "action": "terminal:execute", "args": {"session": "2", "command": "uname -a"}},
        {"labdeck": 1, "action": "terminal:interrupt", "args": {"session": "1"}},
    ]
    # shift-click copies instead of running; copy blocks copy
    blocks.nth(0).click(modifiers=["Shift"])
    frame.locator(".ld-code-feedback", has_text="Copied").first.wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == 'echo "Hello from the notes"; date'
    blocks.nth(4).click()
    assert page.evaluate("navigator.clipboard.readText()") == "export EDITOR=nano"
    assert len(page.evaluate("window.received")) == 3


def test_outside_a_dashboard_execute_copies(notes_server, page):
    server, _ = notes_server
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(server.url + "notes/exercises/02-variables")
    block = page.locator(".ld-execute").first
    assert "hello, " in block.inner_text()  # config.vars default, username filled in
    block.click()
    page.locator(".ld-code-feedback", has_text="Copied").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith('echo "hello, ') and copied == block.locator("code").inner_text()


def test_the_open_page_reloads_when_its_file_changes(notes_server, page):
    server, workshop = notes_server
    page.goto(server.url + "notes/finish")
    page.wait_for_function("document.body.dataset.live !== undefined")
    page.wait_for_timeout(300)  # let the event stream connect
    target = workshop / "workshop" / "content" / "finish.md"
    target.write_text(target.read_text() + "\nA sentence the author just wrote.\n")
    page.get_by_text("A sentence the author just wrote.").wait_for(timeout=15000)


def test_navigation_buttons_walk_the_example(notes_server, page):
    server, _ = notes_server
    page.goto(server.url + "notes/")
    titles = []
    while True:
        titles.append(page.locator(".ld-page-title").inner_text())
        button = page.locator(".ld-exit-button")
        label = button.inner_text()
        if label == "Finish Workshop":
            break
        button.click()
        page.wait_for_load_state()
    assert titles == ["Welcome", "First Commands", "Data Variables", "An AsciiDoc Page", "Summary"]
    assert page.locator(".ld-page-count").inner_text() == "page 5 of 5"
    page.locator(".ld-nav-prev").click()
    assert page.locator(".ld-page-title").inner_text() == "An AsciiDoc Page"
    assert page.locator("img[alt=labdeck]").count() == 0
    page.locator(".ld-nav-home").click()
    assert page.evaluate("document.querySelector('img').naturalWidth") > 0  # image beside the page
