"""Shadowing a terminal in Chromium: the instructor watches alice's terminal through the board
service, read-only; carol (neither admin nor instructor) gets 403. A module of its own: the
Chromium fixture runs Playwright's event loop, so no async tests beside it."""

import asyncio
import importlib.util
import time

import pytest
from hub_harness import ADMIN_PASSWORD, start_hub
from hub_harness import signed_in_at_the_hub as signed_in

from labdeck_testing import free_port

PLUGINS = ("labdeck_instructor", "labdeck_terminal")
pytestmark = pytest.mark.skipif(not all(importlib.util.find_spec(p) for p in PLUGINS),
                                reason="needs the instructor and terminal plugins installed")
SHADOW = "services/instructor/instructor/shadow/alice/1"


@pytest.fixture(scope="module")
def hub(request):
    hub = start_hub(["alice", "carol"], env={"IDLE_TIMEOUT": "0", "INSTRUCTOR_BOARD": "true",
                                             "INSTRUCTOR_PORT": str(free_port()),
                                             "PASS_ENVIRONMENT": "LABDECK_INSTRUCTOR_INTERVAL",
                                             "LABDECK_INSTRUCTOR_INTERVAL": "1"})
    asyncio.run(hub.start("alice"))
    yield hub
    hub.stop(keep=request.session.testsfailed > 0)


def open_shadow(page, hub):
    deadline = time.monotonic() + 30
    while True:  # 404 until the board's first poll has seen alice's server
        response = page.goto(hub.url + SHADOW)
        if response.status == 200 or time.monotonic() > deadline:
            return response
        page.wait_for_timeout(500)


def test_instructor_watches_alices_terminal_and_cannot_type_in_it(hub, chromium, tmp_path):
    alice_context, alice = signed_in(chromium, hub, "alice")
    instructor_context, instructor = signed_in(chromium, hub, "instructor", ADMIN_PASSWORD)
    try:
        alice.goto(hub.url + "user/alice/terminal/session/1", timeout=60000)
        alice.wait_for_selector(".xterm-helper-textarea", state="attached", timeout=30000)
        alice.click(".xterm-helper-textarea", force=True)
        alice.keyboard.type("echo before-$((6*7))\n")
        alice.wait_for_function("document.querySelector('.xterm-rows').innerText.includes('before-42')")

        assert open_shadow(instructor, hub).status == 200
        instructor.wait_for_function("document.getElementById('screen').textContent.includes('before-42')",
                                     timeout=30000)  # the scrollback
        alice.wait_for_selector("text=Being viewed by instructor (read-only)")  # alice is told
        alice.keyboard.type("echo live-$((7*7))\n")
        instructor.wait_for_function("document.getElementById('screen').textContent.includes('live-49')",
                                     timeout=30000)  # what alice types next, live

        flag = tmp_path / "typed-by-the-instructor"
        instructor.click("#screen")
        instructor.keyboard.type(f"touch {flag}\n")
        instructor.keyboard.press("Control+C")
        alice.keyboard.type("echo after-$((8*8))\n")
        alice.wait_for_function("document.querySelector('.xterm-rows').innerText.includes('after-64')")
        instructor.wait_for_function("document.getElementById('screen').textContent.includes('after-64')")
        assert not flag.exists()
        assert "touch" not in alice.inner_text(".xterm-rows")
        instructor.close()
        alice.wait_for_selector("#watched", state="hidden")  # and told when it ends
    finally:
        alice_context.close()
        instructor_context.close()


def test_carol_gets_403_on_the_board_and_on_a_shadow_url(hub, chromium):
    context, carol = signed_in(chromium, hub, "carol")
    try:
        for path in ("services/instructor/instructor/", SHADOW):
            response = carol.goto(hub.url + path)
            assert response.status == 403, path
            assert "before-42" not in carol.content()
    finally:
        context.close()

