"""Fault drill under a real JupyterHub (tests/hub/hub_harness.py): the hub restarts while attendees work.

The hub runs as a deployment that survives its own restarts does: ``cleanup_servers = False`` (the
hub leaves the attendees' labdecks running) and configurable-http-proxy outliving it
(``cleanup_proxy = False``; the restarted hub is told the proxy runs, ``should_start = False``, as
with a proxy of its own such as zero-to-jupyterhub's). While the hub is stopped, alice's terminal
page keeps working in Chromium through the proxy: what she types runs, and a reload that makes
labdeck re-check her session with the hub (every 2 s here) finds the hub away and goes on with the
last answer; labdeck logs that it cannot re-check nor report activity. Once the hub is back it
knows her server as running (the same process, not respawned), the page still works, and the
activity reports resume: her ``last_activity`` at the hub advances again when she types.

A browser test module: no async tests (see the ``chromium`` fixture); the hub's REST calls run in
a thread of their own.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import aiohttp
import pytest
from terminal_helpers import screen_has

from labdeck_testing import wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hub"))
from hub_harness import BIN, CONFIG, PASSWORD, Hub, alive, hub_available, process_tree, start_hub

pytestmark = pytest.mark.skipif(hub_available() is not None, reason=str(hub_available()))

STATE = "() => window.labdeckTerminal && window.labdeckTerminal.state"
SURVIVES_RESTARTS = """
c.JupyterHub.cleanup_servers = False  # the attendees' labdecks outlive the hub
c.JupyterHub.cleanup_proxy = False  # and so does the proxy
if os.environ.get("TEST_PROXY_RUNS"):
    c.ConfigurableHTTPProxy.should_start = False  # the restarted hub uses the proxy that kept running
c.Spawner.environment.update({"LABDECK_JUPYTERHUB_RECHECK_INTERVAL": "2"})
"""


def run(coroutine):
    """An async harness call, from this thread whose event loop belongs to Playwright."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def hub_answers(hub: Hub) -> bool:
    """The hub's REST API answers, through the proxy (which says 503 while the hub is away)."""
    try:
        return run(hub.rest("GET", ""))[0] == 200
    except aiohttp.ClientError:
        return False


def last_activity(hub: Hub, user: str) -> datetime:
    server = run(hub.server(user))
    assert server is not None, f"the hub does not know {user}'s server:\n{hub.tail()}"
    return datetime.fromisoformat((server["last_activity"] or "1970-01-01T00:00:00Z").replace("Z", "+00:00"))


def stop_hub(hub: Hub) -> dict[str, str]:
    """Stop the hub (SIGTERM); its environment, to start it again with."""
    environ = Path(f"/proc/{hub.process.pid}/environ").read_bytes().decode().split("\0")
    hub.stop(keep=True)
    return dict(item.split("=", 1) for item in environ if "=" in item)


def start_hub_again(hub: Hub, env: dict[str, str]) -> None:
    """The same command, folder and environment, told that the proxy runs. Its log goes to a new
    file (the labdecks still write to the old one)."""
    hub.log = hub.log.with_name("hub-restarted.log")
    with hub.log.open("w") as out:
        hub.process = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(CONFIG)], cwd=hub.log.parent,
                                       env={**env, "TEST_PROXY_RUNS": "1"}, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)


def type_line(page, text: str) -> None:
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def wait_connected(page) -> None:
    page.wait_for_function(f"() => ({STATE})() === 'connected'", timeout=30_000)


def test_drill_hub_restart_attendees_keep_working_and_activity_reports_resume(chromium):
    hub = start_hub(["alice"], env={"IDLE_TIMEOUT": "0", "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(16)},
                    extra_config=SURVIVES_RESTARTS)
    first_log = hub.log
    proxy = int((hub.log.parent / "state" / "jupyterhub-proxy.pid").read_text())
    pid, passed = 0, False
    context = chromium.new_context(viewport={"width": 900, "height": 500})
    try:
        run(hub.start("alice"))
        pid = run(hub.pid("alice"))
        page = context.new_page()
        page.goto(hub.url + "hub/login")
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password]", PASSWORD)
        page.click("[type=submit]")
        page.goto(hub.url + "user/alice/terminal/session/1", timeout=60_000)  # signs in through the hub
        wait_connected(page)
        type_line(page, "echo before-$((20+22))")
        screen_has(page, "before-42")
        reported = last_activity(hub, "alice")
        wait_until(lambda: last_activity(hub, "alice") > reported, what="a first activity report")

        env = stop_hub(hub)
        assert alive({pid, proxy}) == {pid, proxy}, "labdeck or the proxy went with the hub"
        assert not hub_answers(hub), "the hub still answers"
        type_line(page, "echo while-the-hub-is-down-$((6*7))")  # the terminal WebSocket, through the proxy
        screen_has(page, "while-the-hub-is-down-42")
        log = lambda: first_log.read_text(errors="replace")  # noqa: E731 - labdeck's output

        def reload_page() -> bool:  # once the re-check is due (2 s), a reload asks the hub, and goes on
            page.reload()
            wait_connected(page)
            screen_has(page, "while-the-hub-is-down-42")  # the same shell, its scrollback replayed
            return "could not re-check the session of alice" in log()

        wait_until(reload_page, what="a reload that re-checks alice's session without the hub")
        wait_until(lambda: "could not report activity to the hub" in log(),
                   what="labdeck's log saying the hub does not take its activity reports")

        start_hub_again(hub, env)
        wait_until(lambda: hub_answers(hub), timeout=60, what="the hub back, through the same proxy")
        server = run(hub.wait_ready("alice"))
        assert run(hub.pid("alice")) == pid and server["ready"], "the hub respawned alice's labdeck"
        back = last_activity(hub, "alice")
        type_line(page, "echo after-$((5+5))")
        screen_has(page, "after-10")
        wait_until(lambda: last_activity(hub, "alice") > back, what="the activity reports resumed")
        page.reload()
        wait_connected(page)
        type_line(page, "echo reloaded-$((9*9))")
        screen_has(page, "reloaded-81")
        passed = True
    finally:
        context.close()
        labdeck = process_tree(pid) if pid else set()  # labdeck, its terminal server, the shell
        if hub.process.poll() is None and hub_answers(hub):
            run(hub.stop_server("alice"))
        hub.stop(keep=not passed)
        for leftover in alive(labdeck | {proxy}):  # what this test started, should the hub not have stopped it
            os.kill(leftover, signal.SIGTERM)
        wait_until(lambda: not alive(labdeck | {proxy}), what="labdeck and the proxy stopped")
