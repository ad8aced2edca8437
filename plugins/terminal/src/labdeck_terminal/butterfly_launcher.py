"""``python -m labdeck_terminal.butterfly_launcher``: run Butterfly 3.2.5 the labdeck way.

See ``butterfly.py`` for what it prepares and why it stays Butterfly's parent.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from .butterfly import server_script
from .sessions import START_SCRIPT

STATIC = Path(__file__).parent / "static"
#: Butterfly's /local.js: the terminal's actions, then the bridge that drives Butterfly's page with them
#: (the bridge loads core's labdeck.js from labdeck's URL space, through the proxy Butterfly is behind)
BRIDGE = (STATIC / "action-bus.js", STATIC / "butterfly-bridge.js")
PR_SET_CHILD_SUBREAPER = 36
#: Butterfly finds its config folder (and our bridge in <folder>/butterfly/js/) through these:
#: XDG_CONFIG_HOME for a normal user, XDG_CONFIG_DIRS for root. Shells get the originals back.
XDG = ("XDG_CONFIG_HOME", "XDG_CONFIG_DIRS")


def prepare(runtime_dir: Path) -> tuple[Path, Path, Path]:
    """Butterfly's config folder (XDG_CONFIG_HOME), shell wrapper and empty motd."""
    config = runtime_dir / "butterfly-config"
    js = config / "butterfly" / "js"
    js.mkdir(parents=True, exist_ok=True)
    (js / "labdeck-bridge.js").write_text("\n".join(part.read_text() for part in BRIDGE))
    restore = "".join(f"{name}={shlex.quote(os.environ[name])}; export {name}\n" if name in os.environ
                      else f"unset {name}\n" for name in XDG)
    # Butterfly sets SHELL to its --shell (this wrapper) and HOME to the account's home directory:
    # give the start script labdeck's, as the PTY backend's shells get them
    restore += f"SHELL={shlex.quote(os.environ.get('SHELL') or '/bin/sh')}; export SHELL\n"
    if "HOME" in os.environ:
        restore += f"HOME={shlex.quote(os.environ['HOME'])}; export HOME\n"
    shell = runtime_dir / "butterfly-shell"
    shell.write_text(f"#!/bin/sh\n{restore}exec /bin/sh {shlex.quote(str(START_SCRIPT))} \"$@\"\n")
    shell.chmod(0o700)
    motd = runtime_dir / "butterfly-motd"
    motd.write_text("")
    return config, shell, motd


def _children() -> list[int]:
    """Our direct children (Butterfly, and the shells re-parented to us)."""
    me = str(os.getpid())
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                if stat.rsplit(")", 1)[1].split()[1] == me:
                    found.append(int(entry))
    return found


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _hangup_children(grace: float = 1.5) -> None:
    for sig in (signal.SIGHUP, signal.SIGCONT):
        for pid in _children():
            with contextlib.suppress(OSError):
                os.killpg(pid, sig) if os.getpgid(pid) == pid else os.kill(pid, sig)
    deadline = time.monotonic() + grace
    while _children() and time.monotonic() < deadline:
        _reap()
        time.sleep(0.05)
    for pid in _children():
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    time.sleep(0.05)
    _reap()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m labdeck_terminal.butterfly_launcher")
    parser.add_argument("--runtime-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", required=True, help="public path of the terminal, e.g. /terminal")
    options = parser.parse_args(argv)
    server = server_script()
    if server is None:
        sys.exit("TERMINAL_BACKEND=butterfly needs Butterfly: pip install 'labdeck-terminal[butterfly]'")
    config, shell, motd = prepare(options.runtime_dir)
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1)
    stop = {"asked": False}

    def on_term(signum: int, frame: object) -> None:
        stop["asked"] = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    child = subprocess.Popen(
        [sys.executable, server, "--unsecure", "--host=127.0.0.1", f"--port={options.port}",
         f"--uri-root-path={options.root}", f"--shell={shell}", f"--motd={motd}"],
        env={**os.environ, **dict.fromkeys(XDG, str(config))},
    )
    while not stop["asked"] and child.poll() is None:
        time.sleep(0.2)
        _reap_shells(child)
    if child.poll() is None:
        child.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(1.5)
    _hangup_children()
    sys.exit(0 if stop["asked"] else (child.returncode or 1))


def _reap_shells(butterfly: subprocess.Popen) -> None:
    """Collect shells that exited after Butterfly's death made us their parent
    (and Butterfly itself, keeping its status)."""
    with contextlib.suppress(ChildProcessError):
        while True:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return
            if pid == butterfly.pid:
                butterfly.returncode = os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    main()
