"""ProgramSpec -> supervisord.conf, checked by running a real supervisord on it."""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from labdeck import ProgramSpec
from labdeck_supervisor.conf import ProgramConfigError, supervisord_conf
from labdeck_testing import wait_until as wait_for

SUPERVISORD = shutil.which("supervisord") or str(Path(sys.executable).parent / "supervisord")


@pytest.mark.parametrize(
    "spec",
    [
        ProgramSpec(name="x", command=["echo", "a\nb"]),
        ProgramSpec(name="x", command=["true"], environment={"A": "1\n[program:evil]"}),
        ProgramSpec(name="x", command=["true"], directory="/tmp\n"),
        ProgramSpec(name="x]\n[evil", command=["true"]),
        ProgramSpec(name="x", command=[]),
        ProgramSpec(name="x", command=["true"], environment={"A": "both ' and \""}),
    ],
)
def test_unsafe_fields_are_refused(spec, tmp_path):
    with pytest.raises(ProgramConfigError):
        supervisord_conf([spec], runtime_dir=tmp_path)


def test_duplicate_program_names_refused(tmp_path):
    with pytest.raises(ProgramConfigError, match="two programs are named x"):
        supervisord_conf([ProgramSpec("x", ["true"]), ProgramSpec("x", ["false"])], runtime_dir=tmp_path)


def test_real_supervisord_runs_awkward_arguments_verbatim(tmp_path):
    out = tmp_path / "out"
    awkward = ["it's", 'say "hi"', "100%", "$HOME", "a b", "%(ENV_HOME)s", "back\\slash"]
    script = ("import sys, os; open(sys.argv[1], 'w')"
              ".write(repr(sys.argv[2:]) + os.environ['ODD'] + os.environ['PLAIN'])")
    env = {"ODD": 'quote " and % and \\ and ,comma', "PLAIN": "it's"}
    spec = ProgramSpec(name="writer", command=[sys.executable, "-c", script, str(out), *awkward],
                       environment=env, autorestart=False, startsecs=0)
    conf = tmp_path / "supervisord.conf"
    conf.write_text(supervisord_conf([spec], runtime_dir=tmp_path))
    process = subprocess.Popen([SUPERVISORD, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: out.exists() and out.read_text())
        assert out.read_text() == repr(awkward) + 'quote " and % and \\ and ,comma' + "it's"
        sock = tmp_path / "supervisor.sock"
        assert wait_for(sock.exists)
        assert sock.stat().st_mode & 0o077 == 0  # the control socket is private
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)


def test_real_supervisord_restarts_a_killed_program(tmp_path):
    pidfile = tmp_path / "pid"
    script = "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(600)"
    spec = ProgramSpec(name="sleeper", command=[sys.executable, "-c", script, str(pidfile)], startsecs=0)
    conf = tmp_path / "supervisord.conf"
    conf.write_text(supervisord_conf([spec], runtime_dir=tmp_path))
    process = subprocess.Popen([SUPERVISORD, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: pidfile.exists() and pidfile.read_text())
        first = int(pidfile.read_text())
        os.kill(first, signal.SIGKILL)
        assert wait_for(lambda: pidfile.read_text() and int(pidfile.read_text()) != first)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)
