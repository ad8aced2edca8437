"""Real Chromium: the dashboard's Console tab shows the console, framed, with its WebSocket working.

Needs labdeck-dashboard (the tab lives there) and Debian's chromium; skipped without them.
"""

from __future__ import annotations

import pytest

pytest.importorskip("labdeck_dashboard", reason="labdeck-dashboard is not installed: no dashboard to hold the tab")
pytest.importorskip("playwright", reason="playwright (python) is not installed")


def test_the_console_tab_shows_the_console(labdeck_server, chromium, fake_console_command, free_port):
    from playwright.sync_api import expect

    server = labdeck_server(env={
        "URI_ROOT_PATH": "/user/alice/",
        "LABDECK_CONSOLE_COMMAND": fake_console_command,
        "LABDECK_CONSOLE_PORT": str(free_port),
        "LABDECK_CONSOLE_KEEP_PATH": "true",
        "LABDECK_CONSOLE_TOKEN": "from-the-environment",
    })
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(f"{server.url}?token={server.token}")
        expect(page).to_have_url(server.url + "dashboard/")
        page.get_by_role("tab", name="Console").click()
        console = page.frame_locator("iframe[title='Web console']")
        expect(console.locator("h1")).to_have_text("Fake console")
        expect(console.locator("#ws")).to_have_text("pong to ping with a bearer token")
    finally:
        context.close()
