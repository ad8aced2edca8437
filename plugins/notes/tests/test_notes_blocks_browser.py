"""Clickable blocks and icons in real Chromium: copypaste and copy-and-edit land in the clipboard,
Font Awesome icons in page text show, the finish button asks before it restarts.

(The long command beside its icon, at the dashboard's own notes width:
plugins/dashboard/tests/test_dashboard_workshop.py.) One browser for the module
(labdeck_testing's ``chromium``), so no async tests here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

MODULES = """modules:
  index:
    name: Blocks
  adoc:
    name: AsciiDoc Blocks
  finish:
    name: Summary
    exit_sign: Finish Workshop
"""

INDEX = """Click the play icon <span class="fas fa-play-circle"></span> to run a command.

```copypaste
apiVersion: v1
kind: ConfigMap
```

```copy-and-edit
oc new-project CHANGE-ME
```
"""

ADOC = """= AsciiDoc Blocks

[source,yaml,role=copypaste]
----
name: from-asciidoc
----
"""

FINISH = "You are done.\n"


def make_workshop(root: Path) -> Path:
    workshop = root / "workshop"
    content = workshop / "workshop" / "content"
    content.mkdir(parents=True)
    (workshop / "workshop" / "modules.yaml").write_text(MODULES)
    (content / "index.md").write_text(INDEX)
    (content / "adoc.adoc").write_text(ADOC)
    (content / "finish.md").write_text(FINISH)
    return workshop


@pytest.fixture
def notes(labdeck_server, tmp_path, chromium):
    """``notes(**env)`` -> (server URL, a page with clipboard permissions)."""
    contexts = []

    def start(**env: str):
        server = labdeck_server(env={"WORKSHOP_DIR": str(make_workshop(tmp_path)), "URI_ROOT_PATH": "/user/alice/",
                                     **env}, args=["--auth", "none"])
        context = chromium.new_context()
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return server.url, page

    yield start
    for context in contexts:
        context.close()


def clipboard(page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


def test_copypaste_blocks_land_in_the_clipboard_from_markdown_and_asciidoc(notes):
    url, page = notes()
    page.goto(url + "notes/index")
    block = page.locator(".ld-copypaste")
    block.click()
    expect(block.locator(".ld-code-feedback")).to_have_text("Copied")
    assert clipboard(page) == "apiVersion: v1\nkind: ConfigMap"

    page.goto(url + "notes/adoc")
    block = page.locator(".ld-copypaste")
    block.click()
    expect(block.locator(".ld-code-feedback")).to_have_text("Copied")
    assert clipboard(page) == "name: from-asciidoc"


def test_copy_and_edit_copies_the_text_and_says_to_change_it(notes):
    url, page = notes()
    page.goto(url + "notes/index")
    block = page.locator(".ld-copy-and-edit")
    expect(block).to_have_attribute("data-action", "workshop:copy")
    block.click()
    expect(block.locator(".ld-code-feedback")).to_have_text("Copied: change it before use")
    assert clipboard(page) == "oc new-project CHANGE-ME"


def test_font_awesome_icons_in_page_text_and_on_blocks_are_visible(notes):
    url, page = notes()
    page.goto(url + "notes/index")
    icon = page.locator(".ld-content p .fas.fa-play-circle")
    page.evaluate("document.fonts.ready")
    box = icon.bounding_box()
    assert box is not None and box["width"] > 4 and box["height"] > 4
    loaded = page.evaluate("""() => [...document.fonts]
        .filter((face) => face.status === "loaded").map((face) => face.family.replace(/"/g, ""))""")
    assert "Font Awesome 5 Free" in loaded  # the font itself came, not a fallback's empty box
    assert icon.evaluate("el => getComputedStyle(el, '::before').content") == '"\uf144"'  # play-circle
    # the blocks' icons are the original's glyphs in the same font: copy, user-edit
    for block, glyph in ((".ld-copypaste", '"\uf0c5"'), (".ld-copy-and-edit", '"\uf4ff"')):
        style = page.locator(f"{block} .ld-code-icon").evaluate(
            "el => { const s = getComputedStyle(el, '::before'); return [s.fontFamily, s.content]; }")
        assert style == ['"Font Awesome 5 Free"', glyph]


STAND_IN_DASHBOARD = """<!doctype html><html><body>
<iframe id="notes" src="finish" style="width:600px;height:600px"></iframe></body></html>"""
RESTARTED = "<!doctype html><title>Restarted</title><p>a fresh session</p>"


@pytest.mark.parametrize("restart_url", ["/hub/spawn/alice", "https://hub.example/restart"])
def test_finish_asks_for_confirmation_before_leaving_for_restart_url(notes, restart_url):
    url, page = notes(RESTART_URL=restart_url)
    target = restart_url if restart_url.startswith("https:") else url.split("/user/")[0] + restart_url
    page.route(target, lambda route: route.fulfill(body=RESTARTED, content_type="text/html"))
    page.route(url + "notes/dashboard.html",
               lambda route: route.fulfill(body=STAND_IN_DASHBOARD, content_type="text/html"))
    page.goto(url + "notes/dashboard.html")
    notes_frame = page.frame_locator("#notes")
    button = notes_frame.get_by_role("link", name="Finish Workshop")
    dialog = notes_frame.get_by_role("dialog", name="Finish workshop")

    button.click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("You have finished the workshop. Restart to begin again.")
    dialog.get_by_role("button", name="Cancel").click()  # declining stays
    expect(dialog).to_be_hidden()
    assert page.url == url + "notes/dashboard.html"
    expect(notes_frame.locator(".ld-page-title")).to_have_text("Summary")

    button.click()
    page.keyboard.press("Escape")  # so does Escape
    expect(dialog).to_be_hidden()

    button.click()
    with page.expect_navigation():
        dialog.get_by_role("link", name="Restart").click()  # accepting leaves: the whole tab, not the pane
    assert page.url == target
    expect(page.locator("p")).to_have_text("a fresh session")


def test_without_restart_url_finish_goes_to_the_overview_without_asking(notes):
    url, page = notes()
    page.goto(url + "notes/finish")
    assert page.locator("dialog").count() == 0
    with page.expect_navigation():
        page.get_by_role("link", name="Finish Workshop").click()
    assert page.url == url + "notes/-/overview"  # the workshop's overview (notes/ opens the first module)
