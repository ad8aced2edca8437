"""End to end in Chromium: alice signs in at the hub, lands in her dashboard, sees her name in the
notes through %username%, and runs a command in a terminal. Runs when the dashboard, notes and
terminal plugins are installed (skipped otherwise)."""

import importlib.util
import time

import pytest
from hub_harness import PASSWORD, start_hub

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


def wait_for_frame_text(page, text, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if text in frame.inner_text("body", timeout=500):
                    return frame
            except Exception:  # a frame navigating or gone: look again
                continue
        page.wait_for_timeout(300)
    seen = []
    for frame in page.frames:
        try:
            seen.append(f"{frame.url}: {frame.inner_text('body', timeout=500)[:300]!r}")
        except Exception as error:
            seen.append(f"{frame.url}: ({error})")
    raise AssertionError(f"no frame shows {text!r}; the frames show:\n" + "\n".join(seen))


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
        wait_for_frame_text(page, "You are signed in as alice.", timeout=60)
        terminal = next((f for f in page.frames if f.query_selector(".xterm-helper-textarea")), None)
        deadline = time.monotonic() + 30
        while terminal is None and time.monotonic() < deadline:
            page.wait_for_timeout(300)
            terminal = next((f for f in page.frames if f.query_selector(".xterm-helper-textarea")), None)
        assert terminal is not None, "no terminal on the dashboard"
        terminal.click(".xterm-helper-textarea", force=True)
        terminal.type(".xterm-helper-textarea", "echo hub-$((6*7))\n")
        terminal.wait_for_function("document.querySelector('.xterm-rows').innerText.includes('hub-42')",
                                   timeout=30000)
    finally:
        context.close()
