"""Render docs/img/dashboard.png: the dashboard with the example workshop (examples/workshop)
loaded and two of its commands run. Not a test; run it by hand after a visible change:

    .venv/bin/python plugins/dashboard/tests/screenshots.py

Needs labdeck with the notes, terminal and dashboard plugins installed, and Chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from labdeck_testing import CHROMIUM, CHROMIUM_ARGS, start_server

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "workshop"
OUTPUT = REPO / "docs" / "img" / "dashboard.png"


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="labdeck-screenshot-"))
    (home / ".bash_profile").write_text('PS1="[attendee ~]$ "\n')
    server = start_server({
        "WORKSHOP_DIR": str(EXAMPLE),
        "TERMINAL_TAB": "split",
        "LABDECK_DISABLE": "example",  # the tests' throwaway plugin is no part of the product
        "HOME": str(home),
        "SHELL": "/bin/bash",
        "LABDECK_RUNTIME_DIR": str(home / "run"),
    })
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 860})
            page.goto(f"{server.url}?token={server.token}")
            page.locator("#ld-notes").element_handle().content_frame().goto(
                f"{server.url}notes/exercises/01-first-commands")
            notes = page.frame_locator("#ld-notes")
            for session, command in (("1", "Hello from the notes"), ("2", "uname -a")):
                notes.locator(f".ld-execute[data-session='{session}']", has_text=command).first.click()
                terminal = page.frame_locator(f"iframe[data-session='{session}']").locator("body")
                expect(terminal).to_contain_text(command)
            page.wait_for_timeout(2500)  # let the click feedback fade
            OUTPUT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(OUTPUT))
            browser.close()
    finally:
        server.stop()
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
