"""``ProgramSpec`` -> supervisord.conf, quoting done here so plugins never build INI text."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from labdeck import Deck, ProgramSpec


class ProgramConfigError(ValueError):
    """A ProgramSpec cannot be written safely (a newline, a bad name)."""


def _check(program: str, field: str, value: str) -> str:
    if "\n" in value or "\r" in value or "\0" in value:
        raise ProgramConfigError(
            f"program {program!r}: {field} contains a newline or NUL, which supervisord cannot take"
        )
    return value


def _ini_value(program: str, field: str, value: str) -> str:
    # supervisord expands %(name)s in values: a literal % must be doubled
    return _check(program, field, value).replace("%", "%%")


def _environment(program: str, env: dict[str, str]) -> str:
    items = []
    for key, value in env.items():
        if not key.replace("_", "").isalnum():
            raise ProgramConfigError(f"program {program!r}: environment name {key!r} is not a plain name")
        _check(program, f"environment {key}", value)
        # supervisord splits this with a non-POSIX shlex: no escapes, so pick a quote the value lacks
        quote = '"' if '"' not in value else "'"
        if quote in value:
            raise ProgramConfigError(f"program {program!r}: environment {key} holds both kinds of quote")
        items.append(f"{key}={quote}{value}{quote}")
    return _ini_value(program, "environment", ",".join(items))


def program_section(spec: ProgramSpec) -> str:
    if not spec.name or not all(c.isalnum() or c in "-_" for c in spec.name):
        raise ProgramConfigError(f"program name {spec.name!r}: use letters, digits, - and _ only")
    if not spec.command:
        raise ProgramConfigError(f"program {spec.name!r}: empty command")
    lines = [
        f"[program:{spec.name}]",
        "command=" + _ini_value(spec.name, "command", shlex.join(spec.command)),
        f"autorestart={'true' if spec.autorestart else 'false'}",
        "autostart=true",
        f"startsecs={spec.startsecs:g}",
        "startretries=1000",
        f"stopsignal={spec.stopsignal}",
        f"stopwaitsecs={spec.stopwaitsecs:g}",
        f"stopasgroup={'true' if spec.stopasgroup else 'false'}",
        f"killasgroup={'true' if spec.killasgroup else 'false'}",
        f"priority={spec.priority}",
        "redirect_stderr=true",
        "stdout_logfile=/dev/stdout",
        "stdout_logfile_maxbytes=0",
    ]
    if spec.directory:
        lines.append("directory=" + _ini_value(spec.name, "directory", spec.directory))
    if spec.environment:
        lines.append("environment=" + _environment(spec.name, dict(spec.environment)))
    return "\n".join(lines) + "\n"


def supervisord_conf(programs: Sequence[ProgramSpec], *, runtime_dir: Path, include: Iterable[str] = ()) -> str:
    """A complete supervisord.conf: foreground, logs to stdout, private control socket, no HTTP server."""
    sock = runtime_dir / "supervisor.sock"
    names = [p.name for p in programs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ProgramConfigError(f"two programs are named {', '.join(duplicates)}")
    head = f"""[supervisord]
nodaemon=true
logfile=/dev/null
logfile_maxbytes=0
pidfile={_ini_value("supervisord", "pidfile", str(runtime_dir / "supervisord.pid"))}
childlogdir={_ini_value("supervisord", "childlogdir", str(runtime_dir))}

[unix_http_server]
file={_ini_value("supervisord", "socket", str(sock))}
chmod=0700

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{_ini_value("supervisord", "socket", str(sock))}
"""
    sections = [head, *(program_section(p) for p in programs)]
    patterns = [_ini_value("include", "files", str(p)) for p in include]
    if patterns:
        sections.append("[include]\nfiles = " + " ".join(patterns) + "\n")
    return "\n".join(sections)


def labdeck_program(runtime_dir: Path, secrets: Mapping[str, str] | None = None) -> ProgramSpec:
    """labdeck itself, under supervisord: its programs are supervisord's siblings, not its children.
    Only it gets labdeck's ``secrets`` (supervisord runs without them: see run.py)."""
    return ProgramSpec(
        name="labdeck",
        command=[sys.executable, "-m", "labdeck", "serve", "--no-run-programs"],
        environment={"LABDECK_RUNTIME_DIR": str(runtime_dir), **(secrets or {})},
        priority=100,
        startsecs=1,
    )


def render_supervisord_conf(deck: Deck, secrets: Mapping[str, str] | None = None) -> str:
    """labdeck itself (with ``secrets``), every plugin's programs and the workshop's own ``*.conf`` files."""
    runtime_dir = deck.settings.core.runtime_dir
    return supervisord_conf([labdeck_program(runtime_dir, secrets), *deck.programs()], runtime_dir=runtime_dir,
                            include=deck.settings.supervisor.include)
