"""End to end in Chromium: alice signs in at the hub, lands in her dashboard, sees her name in the
notes through %username%, and runs a command in a terminal. Runs when the dashboard, notes and
terminal plugins are installed (skipped otherwise)."""

import importlib.util

import pytest
from hub_harness import PASSWORD, start_hub

from labdeck_testing import frame_showing, terminal_frame

PLUGINS = ("labdeck_dashboard", "labdeck_notes", "labdeck_terminal")
pytestmark = pytest.mark.skipif(not all(importlib.util.find_spec(p) for p in PLUGINS),
                                reason="needs the dashboard, notes and terminal plugins installed")


@pytest.fixture(scope="module")
def hub(request, tmp_path_factory):
    workshop = tmp_path_factory.mktemp("workshop")
    (workshop / "01-welcome.md").write_text("# Welcome\n\nYou are signed in as %username%.\n")
    hub = start_hub(["alice"], env={"IDLE_TIMEOUT": "0", "WORKSHOP_DIR": str(workshop),
                                    "PASS_ENVIRONMENT": "WORKSHOP_DIR"})
    yield hub
    hub.stop(keep=request.session.testsfailed > 0)


def test_alice_reaches_her_dashboard_and_runs_a_command(hub, chromium):
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(hub.url + "hub/login")
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password]", PASSWORD)
        page.click("[type=submit]")
        page.goto(hub.url + "user/alice/", timeout=60000)  # the hub spawns, then labdeck signs in through it
        page.wait_for_url("**/user/alice/**", timeout=60000)
        # the notes open on the workshop's first page, the variables filled in for her
        frame_showing(page, "You are signed in as alice.", timeout=60)
        terminal = terminal_frame(page)
        terminal.click(".xterm-helper-textarea", force=True)
        terminal.type(".xterm-helper-textarea", "echo hub-$((6*7))\n")
        terminal.wait_for_function("document.querySelector('.xterm-rows').innerText.includes('hub-42')",
                                   timeout=30000)
    finally:
        context.close()
