"""Render docs/img/dashboard.png, dashboard-dark.png and dashboard-narrow.png: the dashboard with
the example workshop (examples/workshop) loaded and two of its commands run, in a light and a
dark browser (prefers-color-scheme) and on a 390-px-wide phone (the notes, with the switch to the
work area in the header). Not a test; run it by hand after a visible change:

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
IMAGES = REPO / "docs" / "img"
#: file name -> (viewport, colour scheme)
SHOTS = {
    "dashboard.png": ((1440, 860), "light"),
    "dashboard-dark.png": ((1440, 860), "dark"),
    "dashboard-narrow.png": ((390, 844), "light"),
}


def main() -> int:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, (viewport, scheme) in SHOTS.items():
            server = serve()  # fresh terminals for each picture
            try:
                page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]}, color_scheme=scheme)
                shoot(page, server, IMAGES / name)
                page.close()
            finally:
                server.stop()
            print(f"wrote {IMAGES / name}")
        browser.close()
    return 0


def serve():
    home = Path(tempfile.mkdtemp(prefix="labdeck-screenshot-"))
    (home / ".bash_profile").write_text('PS1="[attendee ~]$ "\n')
    return start_server({
        "WORKSHOP_DIR": str(EXAMPLE),
        "TERMINAL_TAB": "split",
        "LABDECK_DISABLE": "example",  # the tests' throwaway plugin is no part of the product
        "HOME": str(home),
        "SHELL": "/bin/bash",
        "LABDECK_RUNTIME_DIR": str(home / "run"),
    })


def shoot(page, server, output: Path) -> None:
    page.goto(f"{server.url}?token={server.token}")
    page.locator("#ld-notes").element_handle().content_frame().goto(
        f"{server.url}notes/exercises/01-first-commands")
    notes = page.frame_locator("#ld-notes")
    if page.viewport_size["width"] < 800:  # a phone shows the notes or the terminal: the notes
        expect(notes.locator(".ld-execute").first).to_be_visible()
        page.wait_for_timeout(500)
        output.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(output))
        return
    for session, command in (("1", "Hello from the notes"), ("2", "uname -a")):
        notes.locator(f".ld-execute[data-session='{session}']", has_text=command).first.click()
        terminal = page.frame_locator(f"iframe[data-session='{session}']").locator("body")
        expect(terminal).to_contain_text(command)
    page.wait_for_timeout(2500)  # let the click feedback fade
    output.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(output))


if __name__ == "__main__":
    sys.exit(main())
