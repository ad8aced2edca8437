"""The terminal server as data for core: a ``ProgramSpec`` to run and a ``ProxySpec`` to reach it."""

from __future__ import annotations

import sys
from pathlib import Path

from labdeck import ProgramSpec, ProxySpec, Settings

from . import butterfly


def socket_path(settings: Settings) -> Path:
    """Our server's socket, in labdeck's private runtime folder (stable across web restarts)."""
    return Path(settings.runtime_dir) / "terminal.sock"


def program(settings: Settings) -> ProgramSpec:
    if settings.terminal_backend == "butterfly":
        return butterfly.program(settings)
    command = [sys.executable, "-m", "labdeck_terminal.server", "--socket", str(socket_path(settings)),
               "--sessions", str(settings.terminal_sessions), "--scrollback", str(settings.terminal_scrollback),
               "--window", str(settings.terminal_window)]
    for folder in settings.terminal_profile_dirs or ("",):
        command += ["--profile-dir", folder]
    if settings.terminal_shell:
        command += ["--shell", settings.terminal_shell]
    if settings.terminal_home:
        command += ["--home", str(settings.terminal_home)]
    return ProgramSpec(name="terminal", command=command, stopwaitsecs=3.0, outlives_crash=True)


def proxy(settings: Settings) -> ProxySpec:
    if settings.terminal_backend == "butterfly":
        return butterfly.proxy(settings)
    # keep_path=False: /<prefix>terminal/session/1 arrives as /session/1; the page uses relative URLs.
    return ProxySpec(path="terminal/", upstream="http://localhost/", unix_socket=str(socket_path(settings)))
