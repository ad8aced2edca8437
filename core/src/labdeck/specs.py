"""The data plugins return to core."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from ssl import SSLContext
from typing import Any


@dataclass(frozen=True)
class ProxySpec:
    """Reverse-proxy ``path`` (relative to the prefix, e.g. ``"terminal/"``) to ``upstream``.

    ``upstream`` is ``http://host:port/base/``; with ``unix_socket`` set, the
    connection goes to that socket and ``upstream`` only supplies Host and base
    path. With ``keep_path`` the full public path (prefix included) is sent
    upstream, for servers that know their public root (Butterfly's
    ``--uri-root-path``); otherwise the part after ``path`` is appended to the
    upstream's base path.

    ``headers`` are added to every request sent upstream: a mapping, or a
    callable taking the aiohttp request and returning one, called per request
    (for values that change, such as a bearer token re-read from a file).

    ``ssl`` is how an https upstream is verified: None for the system's trust
    store, an ``ssl.SSLContext`` (e.g. trusting a cluster CA), or False to
    skip verification.

    ``allow_framing`` removes ``X-Frame-Options`` and the CSP ``frame-ancestors``
    directive from the upstream's answers, so a page that refuses to be framed
    can sit in the dashboard; labdeck's own ``frame-ancestors`` still applies.
    """

    path: str
    upstream: str
    unix_socket: str | None = None
    keep_path: bool = False
    timeout: float | None = None
    headers: Mapping[str, str] | Callable[[Any], Mapping[str, str]] = field(default_factory=dict)
    ssl: SSLContext | bool | None = None
    allow_framing: bool = False


@dataclass(frozen=True)
class ProgramSpec:
    """A supervised process: run by ``labdeck serve`` itself or by supervisord.

    Under ``labdeck serve`` a program dies with labdeck, even when labdeck is
    killed abruptly, unless ``outlives_crash`` is set: then a program holding the
    attendee's state (the terminal server and its shells) keeps running after a
    ``kill -9`` of labdeck, and must cope with the restarted labdeck starting a
    second copy. A clean stop of labdeck stops it either way.
    """

    name: str
    command: list[str]
    environment: Mapping[str, str] = field(default_factory=dict)
    directory: str | None = None
    autorestart: bool = True
    startsecs: float = 1.0
    stopsignal: str = "TERM"
    stopwaitsecs: float = 2.0
    stopasgroup: bool = True
    killasgroup: bool = True
    priority: int = 500
    outlives_crash: bool = False


@dataclass(frozen=True)
class Command:
    """A ``labdeck <name>`` subcommand. ``configure(parser)`` adds arguments; ``run(args)``
    returns the exit code and finds the ``Deck`` in ``args.deck``. With ``with_settings`` the
    command takes every setting's flag, as ``serve`` does, and ``args.setting_environment``
    is the environment with those flags folded in (for a command that starts labdeck)."""

    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    configure: Callable[[argparse.ArgumentParser], None] | None = None
    with_settings: bool = False


@dataclass(frozen=True)
class Principal:
    """Who is signed in."""

    name: str
    backend: str
    groups: tuple[str, ...] = ()
