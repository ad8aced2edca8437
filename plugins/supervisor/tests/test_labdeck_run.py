"""``labdeck run``: supervisord runs labdeck, the plugins' programs and a workshop's .conf
programs, restarts what dies, and stops everything on SIGTERM (real supervisord)."""

from __future__ import annotations

import argparse
import os
import re
import signal
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import labdeck_supervisor
from labdeck import ProgramSpec, Setting, hookimpl
from labdeck.cli import flags_as_environment
from labdeck_supervisor.run import prepare
from labdeck_testing import free_port, make_deck
from labdeck_testing import wait_until as wait_for

LABDECK = [sys.executable, "-m", "labdeck"]


class SleeperPlugin:
    @hookimpl
    def supervisor_programs(self, deck):
        return [ProgramSpec(name="sleeper", command=["sleep", "1000"], environment={"GREETING": "100% ready"})]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def test_conf_has_labdeck_plugin_programs_and_workshop_include(tmp_path):
    deck = make_deck({"sleeper": SleeperPlugin(), "supervisor": labdeck_supervisor}, runtime_dir=tmp_path / "rt",
                     token=None, supervisor_include=(str(tmp_path / "etc" / "*.conf"),))
    environ: dict[str, str] = {}
    conf = prepare(deck, environ)
    text = conf.read_text()
    assert "[program:labdeck]" in text and "--no-run-programs" in text
    assert "[program:sleeper]" in text and 'GREETING="100%% ready"' in text
    assert f"files = {tmp_path / 'etc' / '*.conf'}" in text
    assert "inet_http_server" not in text
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    # token auth: one token for every restart of the web process, so logins survive it; like every
    # secret it is given to the labdeck program only, never to supervisord (whose environment all inherit)
    assert "LABDECK_TOKEN" not in environ
    labdeck_section = text.split("[program:labdeck]")[1].split("[program:")[0]
    assert len(re.search(r'LABDECK_TOKEN="([^"]+)"', labdeck_section).group(1)) > 20
    assert text.count("LABDECK_TOKEN") == 1


def test_declared_secrets_leave_supervisords_environment_for_the_labdeck_program(tmp_path):
    deck = make_deck({"sleeper": SleeperPlugin(), "supervisor": labdeck_supervisor}, runtime_dir=tmp_path / "rt",
                     environ={"AUTH_PASSWORD": "pw-100%-secret", "AUTH_USERNAME": "workshop"})
    environ = {"AUTH_PASSWORD": "pw-100%-secret", "AUTH_USERNAME": "workshop", "PATH": "/usr/bin"}
    text = prepare(deck, environ).read_text()
    assert environ == {"AUTH_USERNAME": "workshop", "PATH": "/usr/bin"}  # what supervisord will get
    labdeck_section = text.split("[program:labdeck]")[1].split("[program:")[0]
    assert 'AUTH_PASSWORD="pw-100%%-secret"' in labdeck_section and text.count("pw-100") == 1
    assert stat.S_IMODE((tmp_path / "rt").stat().st_mode) == 0o700


def test_flags_become_the_environment_of_the_supervised_server():
    specs = [Setting("port", type=int), Setting("prefix", env=("JUPYTERHUB_SERVICE_PREFIX", "URI_ROOT_PATH")),
             Setting("log_level"), Setting("sessions", group="terminal")]
    args = argparse.Namespace(**{"core.port": "8080", "core.prefix": "/user/alice/", "core.log_level": None,
                                 "terminal.sessions": "2"})
    assert flags_as_environment(specs, args) == {"LABDECK_PORT": "8080", "JUPYTERHUB_SERVICE_PREFIX": "/user/alice/",
                                                 "LABDECK_TERMINAL_SESSIONS": "2"}


def test_run_refuses_an_open_address_without_auth(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "LABDECK_", "JUPYTERHUB_"))}
    result = subprocess.run([*LABDECK, "run", "--host", "0.0.0.0", "--runtime-dir", str(tmp_path / "rt")],
                            env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "refusing to listen on 0.0.0.0" in result.stderr


@pytest.fixture
def supervised(tmp_path):
    """``labdeck run`` with a workshop .conf program that records each start of it."""
    etc = tmp_path / "etc"
    etc.mkdir()
    starts = tmp_path / "starts"
    (etc / "recorder.conf").write_text(
        "[program:recorder]\n"
        f"command=sh -c 'echo $$ >> {starts}; exec sleep 1000'\n"
        "autorestart=true\nstdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\n"
    )
    port = free_port()
    runtime = tmp_path / "rt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "LABDECK_", "JUPYTERHUB_"))}
    env.update(AUTH_USERNAME="workshop", AUTH_PASSWORD="secret-pw", LABDECK_RUNTIME_DIR=str(runtime),
               LABDECK_SUPERVISOR_INCLUDE=f"{etc}/*.conf")
    process = subprocess.Popen([*LABDECK, "run", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield process, port, runtime, starts
    if process.poll() is None:
        process.kill()
    process.communicate(timeout=10)


def health(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/health", timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def ctl_pid(runtime: Path, name: str) -> int:
    out = subprocess.run([sys.executable, "-m", "supervisor.supervisorctl", "-c", str(runtime / "supervisord.conf"),
                          "pid", name], capture_output=True, text=True, timeout=10).stdout.strip()
    return int(out) if out.isdigit() and out != "0" else 0


def test_supervisord_restarts_killed_programs_and_sigterm_stops_all(supervised):
    process, port, runtime, starts = supervised
    wait_for(lambda: health(port))
    first = wait_for(lambda: starts.exists() and starts.read_text().split())
    assert len(first) == 1  # the workshop's own program runs
    assert stat.S_IMODE((runtime / "supervisor.sock").stat().st_mode) & 0o077 == 0

    web = ctl_pid(runtime, "labdeck")
    os.kill(web, signal.SIGKILL)
    wait_for(lambda: ctl_pid(runtime, "labdeck") not in (0, web) and health(port))

    recorder = int(first[0])
    os.kill(recorder, signal.SIGKILL)
    second = wait_for(lambda: len(starts.read_text().split()) == 2 and starts.read_text().split())

    children = [ctl_pid(runtime, "labdeck"), ctl_pid(runtime, "recorder")]
    assert all(children) and int(second[1]) in children
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert not any(alive(pid) for pid in children)
    assert "secret-pw" not in output


def test_output_reaches_stdout_through_a_relay_when_stdout_cannot_be_reopened(tmp_path):
    """An arbitrary UID cannot reopen a container's stdout by path: then a pipe of labdeck's
    own carries the programs' output, and it ends when supervisord does."""
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "hello.conf").write_text(
        "[program:hello]\ncommand=sh -c 'echo hello-through-$((40+2)); exec sleep 1000'\n"
        "stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "LABDECK_", "JUPYTERHUB_"))}
    env.update(AUTH_USERNAME="workshop", AUTH_PASSWORD="pw", LABDECK_RUNTIME_DIR=str(tmp_path / "rt"),
               LABDECK_SUPERVISOR_INCLUDE=f"{etc}/*.conf")
    as_if_not_reopenable = ("import sys; from labdeck_supervisor import run; run.reopenable = lambda fd: False; "
                            "from labdeck.cli import main; sys.exit(main())")
    process = subprocess.Popen([sys.executable, "-c", as_if_not_reopenable, "run", "--port", str(free_port())],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in process.stdout:
            if "hello-through-42" in line:
                break
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=20)  # returns at EOF: the relay has ended too
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "stopped: hello" in rest
