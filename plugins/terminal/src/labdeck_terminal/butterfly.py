"""``TERMINAL_BACKEND=butterfly``: Butterfly 3.2.5 as the terminal server, as the original images ran it.

This module is the data for core; ``python -m labdeck_terminal.butterfly_launcher`` is the
program. It prepares Butterfly's config folder (inside labdeck's runtime folder), then runs
Butterfly as its child:

- Butterfly's ``/local.js`` serves every ``*.js`` of ``<config>/butterfly/js/``: we put
  ``butterfly-bridge.js`` there, which gives Butterfly's page the same postMessage action
  bus and ``window.labdeckTerminal`` as our own page.
- ``--shell`` is a wrapper around the same start script our own server uses.
- Butterfly's shells call setsid and outlive Butterfly; this launcher is their
  subreaper, so on SIGTERM it stops Butterfly, then hangs up every shell left
  (SIGHUP, then SIGKILL after 1.5 s) and reaps them: nothing is orphaned.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sys
from pathlib import Path

from labdeck import Deck, ProgramSpec, ProxySpec, SettingsError


def _port(runtime_dir: Path) -> int:
    """A free loopback port, remembered in the runtime folder so a restarted web
    process finds the Butterfly that is still running."""
    runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    remembered = runtime_dir / "butterfly.port"
    with contextlib.suppress(OSError, ValueError):
        return int(remembered.read_text())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    remembered.write_text(str(port))
    return port


def root_path(deck: Deck) -> str:
    return deck.url("terminal").rstrip("/")


def server_script() -> str | None:
    """Butterfly's ``butterfly.server.py``: beside this Python, else on PATH."""
    search = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return shutil.which("butterfly.server.py", path=search)


def program(deck: Deck, unset_environment: tuple[str, ...] = ()) -> ProgramSpec:
    if server_script() is None:  # refuse now, rather than a program that dies and restarts forever
        raise SettingsError("TERMINAL_BACKEND=butterfly: Butterfly is not installed; "
                            "pip install 'labdeck-terminal[butterfly]'")
    runtime_dir = Path(deck.settings.core.runtime_dir)
    own = deck.settings.terminal
    command = [sys.executable, "-m", "labdeck_terminal.butterfly_launcher", "--runtime-dir", str(runtime_dir),
               "--port", str(_port(runtime_dir)), "--root", root_path(deck)]
    from .sessions import shell_environment  # the terminal server's module: not loaded by the web process otherwise

    environment = shell_environment(own.shell or os.environ.get("SHELL"), own.home, own.profile_dirs)
    return ProgramSpec(name="terminal", command=command, environment=environment, stopwaitsecs=4.0, outlives_crash=True,
                       unset_environment=unset_environment)


def proxy(deck: Deck) -> ProxySpec:
    # keep_path: Butterfly knows its public root (--uri-root-path) and wants the full path.
    return ProxySpec(path="terminal/", upstream=f"http://127.0.0.1:{_port(Path(deck.settings.core.runtime_dir))}/",
                     keep_path=True)
