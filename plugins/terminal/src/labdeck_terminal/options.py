"""Everything the terminal server is told, in one object with one set of defaults.

The plugin builds it from its settings and hands it to the server child as one JSON
argument (``--options``); the server's own flags (for tests, benchmarks and debugging)
are generated from the same fields, so no default is written twice.

Neither ``dataclasses`` (it imports ``inspect``, ``ast`` and ``dis``: ~1 MiB) nor ``argparse``
(~0.4 MiB) is used: the server imports this module, and its RSS is what issue 18 counts.
"""

from __future__ import annotations

import json
import sys


class ServerOptions:
    """Immutable; built with keywords (the fields below), every field has its default."""

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

    def __init__(self, **values: object) -> None:
        unknown = sorted(set(values) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown terminal server options: {', '.join(unknown)}")
        for name, value in values.items():
            object.__setattr__(self, name, tuple(value) if FIELDS[name] == "tuple" else value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("ServerOptions is immutable: build a new one")

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in FIELDS}

    def replace(self, **changes: object) -> ServerOptions:
        return ServerOptions(**{**self.as_dict(), **changes})

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ServerOptions:
        return cls(**json.loads(text))


#: field name -> the kind of its flag's value: "int", "float", "str" or "tuple" (repeatable)
FIELDS = {name: next(kind for kind in ("tuple", "int", "float", "str") if kind in annotation)
          for name, annotation in ServerOptions.__annotations__.items()}


def _usage() -> str:
    flags = [f"  --{name.replace('_', '-').removesuffix('s') if kind == 'tuple' else name.replace('_', '-')}"
             f" {kind.upper() if kind != 'tuple' else 'STR (repeatable)'}" for name, kind in FIELDS.items()]
    return ("usage: python -m labdeck_terminal.server (--socket PATH | --port N) [flags]\n\n"
            "labdeck's terminal server: named PTY sessions over WebSockets\n\n"
            "  --options JSON   every option as one JSON object (what the plugin passes)\n" + "\n".join(flags))


def _fail(message: str) -> None:
    sys.stderr.write(f"{_usage()}\n\nerror: {message}\n")
    raise SystemExit(2)


def parse_args(argv: list[str] | None = None) -> ServerOptions:
    """``--options JSON`` and/or one flag per field (``--stall-timeout 5``, ``--port=0``, repeatable
    ``--profile-dir``); an empty value of a repeatable flag means none."""
    argv = sys.argv[1:] if argv is None else argv
    flags = {f"--{name.replace('_', '-')}": name for name, kind in FIELDS.items() if kind != "tuple"}
    flags.update({f"--{name.replace('_', '-').removesuffix('s')}": name for name, kind in FIELDS.items()
                  if kind == "tuple"})
    given: dict[str, object] = {}
    base: ServerOptions | None = None
    items = iter(argv)
    for item in items:
        if item in ("-h", "--help"):
            sys.stdout.write(_usage() + "\n")
            raise SystemExit(0)
        flag, equals, value = item.partition("=")
        if flag != "--options" and flag not in flags:
            _fail(f"unrecognized argument: {item}")
        if not equals:
            value = next(items, None)
            if value is None:
                _fail(f"{flag} needs a value")
        try:
            if flag == "--options":
                base = ServerOptions.from_json(value)
                continue
            name = flags[flag]
            kind = FIELDS[name]
            if kind == "tuple":
                given[name] = given.get(name, ()) + ((value,) if value else ())
            else:
                given[name] = {"int": int, "float": float, "str": str}[kind](value)
        except ValueError as error:
            _fail(f"{flag}: {error}")
    options = (base or ServerOptions()).replace(**given)
    if (options.socket is None) == (options.port is None):
        _fail("give exactly one of --socket and --port")
    return options
