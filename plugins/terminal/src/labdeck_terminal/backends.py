"""The terminal server as data for core: a ``ProgramSpec`` to run and a ``ProxySpec`` to reach it."""

from __future__ import annotations

import sys
from pathlib import Path

from labdeck import Deck, ProgramSpec, ProxySpec

from . import butterfly
from .options import ServerOptions


def socket_path(deck: Deck) -> Path:
    """Our server's socket, in labdeck's private runtime folder (stable across web restarts)."""
    return Path(deck.settings.core.runtime_dir) / "terminal.sock"


def secret_names(deck: Deck) -> tuple[str, ...]:
    """labdeck's declared secrets: the terminal server starts without them (so a shell cannot read
    them in its parent's /proc/<pid>/environ either), and scrubs them from shells all the same."""
    return tuple(sorted(deck.settings.secrets()))


def server_options(deck: Deck) -> ServerOptions:
    own = deck.settings.terminal
    return ServerOptions(
        socket=str(socket_path(deck)), sessions=own.sessions, scrollback=own.scrollback, window=own.window,
        profile_dirs=tuple(folder for folder in own.profile_dirs if folder), shell=own.shell,
        home=str(own.home) if own.home else None, hidden_env=secret_names(deck),
    )


def program(deck: Deck) -> ProgramSpec:
    if deck.settings.terminal.backend == "butterfly":
        return butterfly.program(deck, unset_environment=secret_names(deck))
    command = [sys.executable, "-m", "labdeck_terminal.server", "--options", server_options(deck).to_json()]
    return ProgramSpec(name="terminal", command=command, stopwaitsecs=3.0, outlives_crash=True,
                       unset_environment=secret_names(deck))


def proxy(deck: Deck) -> ProxySpec:
    if deck.settings.terminal.backend == "butterfly":
        return butterfly.proxy(deck)
    # keep_path=False: /<prefix>terminal/session/1 arrives as /session/1; the page uses relative URLs.
    return ProxySpec(path="terminal/", upstream="http://localhost/", unix_socket=str(socket_path(deck)))
