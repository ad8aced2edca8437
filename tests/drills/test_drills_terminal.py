"""Fault drills for the terminal (docs/terminal.md's promises), in a real Chromium.

- kill -9 of the web process under ``labdeck serve``, and under ``labdeck run``: the shell and its
  scrollback survive; the page says *Connection lost. Reconnecting…* and comes back by itself;
  keys typed meanwhile reach the shell (test_drill_kill_9_of_labdeck_serve_…,
  test_drill_kill_9_of_labdeck_under_labdeck_run_…).
- kill -9 of the terminal server under ``labdeck run``: the shell is gone (promised: not kept);
  the page says the terminal server restarted and offers a new session, which works
  (test_drill_kill_9_of_the_terminal_server_under_labdeck_run_…). Under ``labdeck serve`` the
  same drill is plugins/terminal/tests/test_terminal_browser.py::
  test_after_a_terminal_server_crash_the_page_offers_a_new_session.

The protocol-level versions (no browser) are in plugins/terminal/tests/test_terminal_labdeck.py.
Browser test modules hold no async tests (see the ``chromium`` fixture).
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from terminal_helpers import alive, child_running, screen_has, short_dir, wait_for

import labdeck_testing

PREFIX = "/user/alice/"
STATE = "() => window.labdeckTerminal && window.labdeckTerminal.state"


def environment(folder: Path, **extra: str) -> dict[str, str]:
    (folder / "home").mkdir(exist_ok=True)
    return {"LABDECK_RUNTIME_DIR": str(folder / "rt"), "URI_ROOT_PATH": PREFIX, "TERMINAL_HOME": str(folder / "home"),
            "HOME": str(folder / "home"), "LABDECK_TERMINAL_PROFILE_DIRS": "", **extra}


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def wait_state(page, state: str, timeout: float = 30_000) -> None:
    page.wait_for_function(f"() => ({STATE})() === {state!r}", timeout=timeout)


def open_terminal(chromium, base: str, token: str):
    context = chromium.new_context(viewport={"width": 900, "height": 500})
    page = context.new_page()
    page.goto(f"{base}?token={token}")  # signs in; / lands on terminal/session/1
    wait_state(page, "connected")
    return context, page


def type_line(page, text: str) -> None:
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def survives_the_web_process(page, kill, restart) -> None:
    """kill -9 the web process: the page says it is reconnecting; keys typed meanwhile are kept;
    once labdeck is back, the same shell with its scrollback, and the keys reach it."""
    type_line(page, "echo before-$((20+22))")
    screen_has(page, "before-42")
    kill()
    wait_state(page, "reconnecting")
    assert "Reconnecting" in page.inner_text("#status")
    type_line(page, "echo typed-while-down-$((3*3))")  # queued by the page
    restart()
    wait_state(page, "connected", timeout=60_000)
    assert page.is_hidden("#status")
    screen_has(page, "before-42")  # the scrollback came back (replay)
    screen_has(page, "typed-while-down-9", timeout=20_000)  # the typed keys were sent on reconnect
    type_line(page, "echo after-$((5+5))")
    screen_has(page, "after-10")


def test_drill_kill_9_of_labdeck_serve_the_page_reconnects_to_the_same_shell(labdeck_server, chromium):
    folder, token, port = short_dir(), secrets.token_urlsafe(16), labdeck_testing.free_port()
    env = environment(folder, LABDECK_PORT=str(port), LABDECK_PLUGINS="terminal")
    server = labdeck_server(env=env, token=token)
    context, page = open_terminal(chromium, server.url, token)
    terminal_server = wait_for(lambda: child_running(server.process.pid, "labdeck_terminal.server"))
    pid_before = page.evaluate("fetch('../sessions').then(r => r.json()).then(s => s[0].pid)")
    try:
        survives_the_web_process(page, kill=lambda: server.stop(signal.SIGKILL),
                                 restart=lambda: labdeck_server(env=env, token=token))
        # the same shell, in the same terminal server: it outlived labdeck (outlives_crash)
        assert page.evaluate("fetch('../sessions').then(r => r.json()).then(s => s[0].pid)") == pid_before
        assert alive(terminal_server)
    finally:
        context.close()
        os.kill(terminal_server, signal.SIGTERM)  # the orphan the restarted labdeck's server stood by for
        wait_for(lambda: not alive(terminal_server) and not alive(pid_before))


@pytest.fixture
def labdeck_run():
    """``labdeck run`` (supervisord with labdeck and the terminal server side by side)."""
    if importlib.util.find_spec("labdeck_supervisor") is None:
        pytest.skip("labdeck-supervisor not installed")
    folder, token, port = short_dir(), secrets.token_urlsafe(16), labdeck_testing.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "LABDECK_", "JUPYTERHUB_"))}
    env.update(environment(folder, LABDECK_PORT=str(port), LABDECK_PLUGINS="terminal,supervisor",
                           LABDECK_TOKEN=token))
    process = subprocess.Popen([sys.executable, "-m", "labdeck", "run"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}{PREFIX}"
    try:
        wait_for(lambda: answers(base + "-/health"), seconds=30)
        yield process, base, token
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)


def test_drill_kill_9_of_labdeck_under_labdeck_run_the_page_reconnects_to_the_same_shell(labdeck_run, chromium):
    supervisord, base, token = labdeck_run
    context, page = open_terminal(chromium, base, token)
    web = child_running(supervisord.pid, "labdeck serve")
    terminal_server = child_running(supervisord.pid, "labdeck_terminal.server")
    try:
        survives_the_web_process(page, kill=lambda: os.kill(web, signal.SIGKILL),
                                 restart=lambda: None)  # supervisord restarts it
        assert child_running(supervisord.pid, "labdeck serve") not in (None, web)
        assert child_running(supervisord.pid, "labdeck_terminal.server") == terminal_server  # untouched
    finally:
        context.close()


def test_drill_kill_9_of_the_terminal_server_under_labdeck_run_the_page_offers_a_new_session(labdeck_run, chromium):
    supervisord, base, token = labdeck_run
    context, page = open_terminal(chromium, base, token)
    try:
        type_line(page, "echo before-$((20+22))")
        screen_has(page, "before-42")
        terminal_server = child_running(supervisord.pid, "labdeck_terminal.server")
        os.kill(terminal_server, signal.SIGKILL)  # its shells die with their PTYs
        wait_state(page, "ended", timeout=60_000)  # supervisord restarts it; it knows no such session
        assert "terminal server restarted" in page.inner_text("#status")
        assert child_running(supervisord.pid, "labdeck_terminal.server") not in (None, terminal_server)
        page.click("#restart")
        wait_state(page, "connected")
        type_line(page, "echo new-$((8*8))")
        screen_has(page, "new-64")
    finally:
        context.close()
