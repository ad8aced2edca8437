"""The data plugins return to core."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from ssl import SSLContext
from typing import Any


@dataclass(frozen=True)
class ProxySpec:
    """Reverse-proxy ``path`` (relative to the prefix, e.g. ``"terminal/"``) to ``upstream``
    (``http://host:port/base/``); the options are described in docs/hooks.md."""

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
    """A supervised process, run by ``labdeck serve`` or supervisord (options: docs/hooks.md)."""

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
    unset_environment: tuple[str, ...] = ()  # not inherited nor readable in labdeck serve's environ (secrets)


@dataclass(frozen=True)
class Command:
    """A ``labdeck <name>`` subcommand: ``configure(parser)``, ``run(args) -> exit code`` (docs/hooks.md)."""

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
