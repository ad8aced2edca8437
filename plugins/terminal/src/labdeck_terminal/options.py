"""Everything the terminal server is told, in one object with one set of defaults.

The plugin builds it from its settings and hands it to the server child as one JSON
argument (``--options``); the server's own flags (for tests, benchmarks and debugging)
are generated from the same fields, so no default is written twice.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class ServerOptions:
    socket: str | None = None  # unix socket to listen on (created 0600)
    port: int | None = None  # TCP port on host instead (benchmarks, debugging)
    host: str = "127.0.0.1"
    token: str | None = None  # TCP only: the credential (default: a random one, logged at start)
    shell: str | None = None  # login shell (default: $SHELL, else bash)
    home: str | None = None  # folder shells start in (default: home)
    profile_dirs: tuple[str, ...] = ("/opt/app-root/etc/profile.d",)  # their *.sh are sourced first
    sessions: int = 16  # most sessions at once
    scrollback: int = 512 * 1024  # bytes of output kept per session
    window: int = 512 * 1024  # unacknowledged bytes a viewer may hold before the PTY is paused
    ping: float = 25.0  # seconds between heartbeats
    stall_timeout: float = 10.0  # seconds a viewer may hold the PTY paused before it is dropped
    log_level: str = "info"
    hidden_env: tuple[str, ...] = ()  # variables never handed to a shell (labdeck's declared secrets)

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ServerOptions:
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown terminal server options: {', '.join(unknown)}")
        for name in ("profile_dirs", "hidden_env"):
            if name in data:
                data[name] = tuple(data[name])
        return cls(**data)


def _flag_type(default: object):
    return {int: int, float: float}.get(type(default), str)


def parse_args(argv: list[str] | None = None) -> ServerOptions:
    """``--options JSON`` and/or one flag per field (``--stall-timeout 5``, repeatable ``--profile-dir``)."""
    parser = argparse.ArgumentParser(prog="python -m labdeck_terminal.server",
                                     description="labdeck's terminal server: named PTY sessions over WebSockets")
    parser.add_argument("--options", help="every option as one JSON object (what the plugin passes)")
    defaults = ServerOptions()
    for field in fields(ServerOptions):
        flag = "--" + field.name.replace("_", "-")
        default = getattr(defaults, field.name)
        if isinstance(default, tuple):  # repeatable, named in the singular: --profile-dir A --profile-dir B
            parser.add_argument(flag.removesuffix("s"), dest=field.name, action="append")
        else:
            parser.add_argument(flag, dest=field.name, type=_flag_type(default) if default is not None else
                                (int if field.name == "port" else str))
    args = parser.parse_args(argv)
    options = ServerOptions.from_json(args.options) if args.options else defaults
    changes = {f.name: getattr(args, f.name) for f in fields(ServerOptions) if getattr(args, f.name) is not None}
    for name in ("profile_dirs", "hidden_env"):
        if name in changes:
            changes[name] = tuple(item for item in changes[name] if item)  # "" means none
    options = ServerOptions(**{**asdict(options), **changes})
    if (options.socket is None) == (options.port is None):
        parser.error("give exactly one of --socket and --port")
    return options
