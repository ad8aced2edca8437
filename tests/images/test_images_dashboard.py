"""The dashboard image, run as OpenShift runs it (arbitrary UID, group 0), checked from outside."""

from __future__ import annotations

import os
import secrets
import signal
from pathlib import Path

import pytest

#: the project's own example workshop (a fresh clone has it; the corpus is for conformance tests)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "workshop"

USER, PASSWORD = "workshop", secrets.token_urlsafe(12)
AUTH = (USER, PASSWORD)
ARBITRARY_UID = 1000321


@pytest.fixture(scope="module")
def dashboard(dashboard_image, container_of):
    """The dashboard image with the project's example workshop, a workshop supervisord program
    and a profile script, started through its command as an arbitrary UID."""
    container = container_of(dashboard_image)
    app_root = container.root / "opt" / "app-root"
    container.copy_in(EXAMPLE / "workshop", "/opt/app-root/src/workshop")
    (app_root / "etc" / "supervisor" / "workshop-marker.conf").write_text(
        "[program:workshop-marker]\n"
        "command=sh -c 'id -u > /tmp/workshop-marker.ran; exec sleep 100000'\n"
        "stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\nredirect_stderr=true\n"
    )
    (app_root / "etc" / "profile.d" / "workshop.sh").write_text("export WORKSHOP_GREETING=hello-from-profile\n")
    tool = app_root / "bin" / "workshop-tool"
    tool.write_text("#!/bin/sh\necho tool-ran-$((3*3))\n")
    tool.chmod(0o775)
    container.start({"AUTH_USERNAME": USER, "AUTH_PASSWORD": PASSWORD})
    return container


def test_health_answers_without_login(dashboard, get):
    status, _ = get(dashboard.url + "-/health")
    assert status == 200


def test_login_with_auth_username_and_password(dashboard, get):
    assert get(dashboard.url + "notes/")[0] == 401
    assert get(dashboard.url + "notes/", auth=(USER, "wrong"))[0] == 401
    status, body = get(dashboard.url, auth=AUTH)
    assert status == 200, body


def test_a_workshop_page_renders_with_its_commands(dashboard, get):
    status, body = get(dashboard.url + "notes/exercises/01-first-commands", auth=AUTH)
    assert status == 200, body
    assert 'data-action="terminal:execute"' in body and 'echo "Hello from the notes"; date' in body


def test_a_terminal_runs_a_command_as_the_arbitrary_user(dashboard, terminal):
    _, screen = terminal(dashboard.url, "probe", auth=AUTH,
                         typed="echo $((6*7))-$(id -u)-$(id -g)-$(whoami)-$WORKSHOP_GREETING-$PWD\r",
                         expect="-/opt/app-root/src")
    assert f"42-{ARBITRARY_UID}-0-user-hello-from-profile-/opt/app-root/src" in screen


def test_terminal_shells_find_the_workshops_commands(dashboard, terminal):
    terminal(dashboard.url, "path", auth=AUTH, typed="workshop-tool\r", expect="tool-ran-9")


def test_the_arbitrary_user_can_change_the_workshop_files(dashboard):
    result = dashboard.run("sh", "-c", "echo edited >> /opt/app-root/src/workshop/content/finish.md && "
                                       "mkdir /opt/app-root/src/mine && touch /opt/app-root/src/mine/file && echo ok")
    assert result.stdout.strip() == "ok"


def test_a_workshop_supervisord_program_runs(dashboard, until):
    ran = dashboard.root / "tmp" / "workshop-marker.ran"
    assert until(lambda: ran.exists() and ran.read_text().strip(), 30) == str(ARBITRARY_UID)
    # supervisord says STARTING until the program has lived startsecs: wait for the state, not the clock
    until(lambda: "RUNNING" in dashboard.ctl("status", "workshop-marker"), 30, "the workshop program to be RUNNING")


def test_killed_web_process_comes_back_and_the_terminal_session_keeps_its_scrollback(dashboard, terminal, until):
    first, _ = terminal(dashboard.url, "keep", auth=AUTH, typed="echo kept-$((20+3))\r", expect="kept-23")
    web = int(dashboard.ctl("pid", "labdeck"))
    os.kill(web, signal.SIGKILL)
    until(lambda: dashboard.ctl("pid", "labdeck") not in ("", "0", str(web)) and dashboard.healthy(), 30,
               "the web process to come back")
    again, _ = terminal(dashboard.url, "keep", auth=AUTH, expect="kept-23")
    assert again["new"] is False and again["pid"] == first["pid"]


def test_sigterm_stops_every_process(dashboard, until):
    assert dashboard.stop() == 0
    until(lambda: not _processes_of(ARBITRARY_UID), 15,
          f"every process of the container to end: {_processes_of(ARBITRARY_UID)}")


def _processes_of(uid: int) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and proc.stat().st_uid == uid:
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append(f"{proc.name} {command}")
        except OSError:
            continue
    return found
