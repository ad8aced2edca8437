"""In real Chromium: a user name made of markup runs no script in the notes, and the
execute block still sends the name as written. (Sync Playwright only: no async tests here.)"""

from __future__ import annotations

import shutil
from pathlib import Path

from labdeck_testing import wait_until

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "workshop"
USER = """<img src=x onerror="window.pwned='img'"><script>window.pwned='script'</script>'"`${1}"""
PARENT = """<!doctype html><html><body>
<iframe id="notes" src="exercises/02-variables" style="width:900px;height:700px"></iframe>
<script>
window.received = [];
window.addEventListener("message", function (event) { window.received.push(event.data); });
</script></body></html>"""


def test_a_user_name_with_markup_does_not_run_script_in_chromium(labdeck_server, chromium, tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "w")
    server = labdeck_server(env={"WORKSHOP_DIR": str(tmp_path / "w"), "AUTH_USERNAME": USER,
                                 "AUTH_PASSWORD": "pw"}, args=["--auth", "basic"])
    context = chromium.new_context(http_credentials={"username": USER, "password": "pw"})
    try:
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        for path in ("notes/", "notes/exercises/02-variables", "notes/exercises/03-asciidoc"):
            page.goto(server.url + path)
            page.wait_for_load_state("load")
            page.wait_for_timeout(300)  # an onerror would have fired by now
            assert page.evaluate("window.pwned") is None, path
            assert page.locator("main img[src=x]").count() == 0, path
        assert USER in page.locator("main").inner_text()  # shown as text, as written

        # framed as in the dashboard, by a stand-in parent on the notes' own origin (the test's, not a
        # content file: those are served in a sandbox, an origin of their own)
        page.route(server.url + "notes/parent.html", lambda route: route.fulfill(body=PARENT, content_type="text/html"))
        page.goto(server.url + "notes/parent.html")
        frame = page.frame_locator("#notes")
        block = frame.locator(".ld-execute", has_text="hello, ")
        assert block.locator("code").inner_text() == f'echo "hello, {USER}"'
        block.click()
        wait_until(lambda: page.evaluate("window.received.length"), 10, "the execute message")
        message = page.evaluate("window.received[0]")
        assert message["args"]["command"] == f'echo "hello, {USER}"'
        assert page.evaluate("window.pwned") is None
        assert frame.locator("img[src=x]").count() == 0
        assert dialogs == []
    finally:
        context.close()
