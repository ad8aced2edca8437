"""The notes in real Chromium: clicks post action-bus messages, copy, keyboard, live reload.

Uses Playwright's async API with its own browser per test: core's session-wide sync
``chromium`` fixture leaves an event loop running in the main thread, which breaks every
async test collected after it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from labdeck_testing import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "workshop"

# A stand-in dashboard on the notes' origin, answered by the browser test itself (a content file
# would be served in a sandbox, an origin of its own, as any attendee-writable markup is).
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
    server = labdeck_server(env={"WORKSHOP_DIR": str(workshop), "URI_ROOT_PATH": "/user/alice/"},
                            args=["--auth", "none"])
    return server, workshop


@pytest.fixture
async def page():
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await browser.new_context()
        await context.grant_permissions(["clipboard-read", "clipboard-write"])
        yield await context.new_page()
        await browser.close()


async def test_an_attendee_clicks_copies_and_walks_the_pages(notes_server, page):
    server, _ = notes_server
    assert server.url.endswith("/user/alice/")
    await page.route(server.url + "notes/parent.html",
                     lambda route: route.fulfill(body=PARENT, content_type="text/html"))
    await page.goto(server.url + "notes/parent.html")
    frame = page.frame_locator("#notes")
    blocks = frame.locator(".ld-code")
    await blocks.nth(0).click()
    await frame.locator(".ld-code-feedback", has_text="Sent to the terminal").first.wait_for()
    await blocks.nth(1).focus()
    await page.keyboard.press("Enter")
    await blocks.nth(3).click()  # <ctrl-c>
    await page.wait_for_function("window.received.length >= 3")
    received = await page.evaluate("window.received")
    origin = server.url.split("/user/")[0]
    assert all(item["origin"] == origin for item in received)
    assert [item["data"] for item in received] == [
        {"labdeck": 1, "action": "terminal:execute",
         "args": {"session": "1", "command": 'echo "Hello from the notes"; date',
                  "id": "exercises/01-first-commands#0"}},  # the terminal reports on it (progress.js)
        {"labdeck": 1, "action": "terminal:execute",
         "args": {"session": "2", "command": "uname -a", "id": "exercises/01-first-commands#1"}},
        {"labdeck": 1, "action": "terminal:interrupt", "args": {"session": "1"}},
    ]
    # shift-click copies instead of running; copy blocks copy
    await blocks.nth(0).click(modifiers=["Shift"])
    await frame.locator(".ld-code-feedback", has_text="Copied").first.wait_for()
    assert await page.evaluate("navigator.clipboard.readText()") == 'echo "Hello from the notes"; date'
    await blocks.nth(4).click()
    await blocks.nth(4).locator(".ld-code-feedback", has_text="Copied").wait_for()  # the copy is async
    assert await page.evaluate("navigator.clipboard.readText()") == "export EDITOR=nano"
    assert len(await page.evaluate("window.received")) == 3

    # outside a dashboard, execute copies
    await page.goto(server.url + "notes/exercises/02-variables")
    block = page.locator(".ld-execute").first
    assert "hello, " in await block.inner_text()  # config.vars default, username filled in
    await block.click()
    await page.locator(".ld-code-feedback", has_text="Copied").wait_for()
    copied = await page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith('echo "hello, ') and copied == await block.locator("code").inner_text()

    # the notes root leads back to where the attendee left off; the buttons walk the workshop
    await page.goto(server.url + "notes/")
    assert await page.locator(".ld-page-title").inner_text() == "Data Variables"
    await page.goto(server.url + "notes/-/overview")
    async with page.expect_navigation():
        await page.locator(".ld-exit-button", has_text="Start workshop").click()
    titles = []
    while True:
        titles.append(await page.locator(".ld-page-title").inner_text())
        button = page.locator(".ld-exit-button")
        label = await button.inner_text()
        if label == "Finish Workshop":
            break
        async with page.expect_navigation():
            await button.click()
    assert titles == ["Welcome", "First Commands", "Data Variables", "An AsciiDoc Page", "Summary"]
    assert await page.locator(".ld-page-count").inner_text() == "page 5 of 5"
    async with page.expect_navigation():
        await page.locator(".ld-nav-prev").click()
    assert await page.locator(".ld-page-title").inner_text() == "An AsciiDoc Page"
    assert await page.locator("img[alt=labdeck]").count() == 0
    async with page.expect_navigation():
        await page.locator(".ld-nav-home").click()  # the overview: every step, numbered
    assert await page.locator(".ld-page-list li").all_inner_texts() == titles
    async with page.expect_navigation():
        await page.locator(".ld-exit-button", has_text="Start workshop").click()
    await page.wait_for_function("document.querySelector('img') && document.querySelector('img').complete")
    assert await page.evaluate("document.querySelector('img').naturalWidth") > 0  # image beside the page


async def test_the_open_page_reloads_when_its_file_changes(notes_server, page):
    server, workshop = notes_server
    # count the event streams the page opens: one (live reload and the help bar share it: events.py)
    await page.add_init_script("""(() => { const Original = window.EventSource; window.openedStreams = [];
        window.EventSource = function (url) { window.openedStreams.push(url); return new Original(url); }; })()""")
    await page.goto(server.url + "notes/finish")
    assert await page.evaluate("document.body.dataset.version")  # live reload is on
    opened = await page.evaluate("window.openedStreams")
    assert [url.rsplit("/notes/", 1)[1] for url in opened] == ["-/events?page=finish"]
    target = workshop / "workshop" / "content" / "finish.md"
    target.write_text(target.read_text() + "\nA sentence the author just wrote.\n")
    await page.get_by_text("A sentence the author just wrote.").wait_for(timeout=15000)
