"""``labdeck run``: the container entry point. Writes supervisord.conf (labdeck itself,
the plugins' programs, the workshop's own ``*.conf`` files) and becomes supervisord.

supervisord then owns every process: it restarts any that dies (the web process
included, while the terminal server and its shells live on), logs them all to
stdout, and on SIGTERM stops them all. Its control socket sits in the private
runtime folder (0700) and it serves no HTTP port.

Settings given as flags reach the supervised ``labdeck serve`` as their
environment variables, so ``labdeck run --port 8080`` means what it says.

supervisord hands its environment to every program, the terminal server (whose shells could
read it in /proc/<pid>/environ) and the workshop's own included. So labdeck's declared secrets
leave supervisord's environment and are given to the labdeck program alone, on its
``environment=`` line: supervisord.conf then holds them, and is written 0600 in the 0700
runtime folder.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from labdeck import Deck

from .conf import render_supervisord_conf


def supervisord_command() -> list[str]:
    """supervisord from this Python environment (a dependency of this package)."""
    script = Path(sys.executable).with_name("supervisord")
    return [str(script)] if script.exists() else [sys.executable, "-m", "supervisor.supervisord"]


def prepare(deck: Deck, environ: MutableMapping[str, str]) -> Path:
    """Check the auth choice now (a refusal must stop the container, not loop in
    supervisord), pin a token so a restarted web process keeps its login URL and
    sessions, move the declared secrets out of ``environ`` (supervisord's) into the
    labdeck program's section, and write supervisord.conf into the runtime folder."""
    if deck.auth_backend().name == "token" and not deck.settings.auth.token:
        environ["LABDECK_TOKEN"] = secrets.token_urlsafe(24)
    names = sorted({*deck.settings.secrets(), "LABDECK_TOKEN"})
    withheld = {name: environ.pop(name) for name in names if name in environ}
    runtime_dir = Path(deck.settings.core.runtime_dir)
    runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    runtime_dir.chmod(0o700)  # supervisord.conf holds secrets
    conf = runtime_dir / "supervisord.conf"
    text = render_supervisord_conf(deck, withheld)
    partial = conf.with_suffix(".tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(text)
    partial.replace(conf)
    return conf


def reopenable(fd: int) -> bool:
    """Can this user open ``/dev/stdout`` anew, as supervisord does for ``stdout_logfile``?"""
    try:
        os.close(os.open(f"/proc/self/fd/{fd}", os.O_WRONLY | os.O_APPEND))
    except PermissionError:
        return False
    except OSError:
        return True  # no /proc (not Linux): nothing to work around
    return True


def relay_output() -> None:
    """Put a pipe of our own between supervisord and stdout/stderr, copied on by ``cat``.

    A container's stdout belongs to whoever created it (root, the runtime); an
    arbitrary UID cannot reopen it by path, and supervisord would fail to start
    every program with EACCES. A pipe made here belongs to this user. ``cat``
    ends when supervisord (the last writer) exits.
    """
    read_end, write_end = os.pipe()
    if os.fork() == 0:  # the relay
        try:
            os.setsid()  # a signal for the container's process group is not for it: it ends at EOF
            os.dup2(read_end, 0)
            os.close(read_end)
            os.close(write_end)
            os.execvp("cat", ["cat"])  # noqa: S606 - no shell wanted
        finally:
            os._exit(127)
    os.close(read_end)
    os.dup2(write_end, 1)
    os.dup2(write_end, 2)
    os.close(write_end)


def run(deck: Deck, environ: Mapping[str, str]) -> int:
    """Replace this process with supervisord, which gets ``environ`` (never returns on success)."""
    command = supervisord_command()
    environ = dict(environ)
    conf = prepare(deck, environ)
    sys.stdout.flush()
    sys.stderr.flush()
    if not (reopenable(1) and reopenable(2)):
        relay_output()
    os.execve(command[0], [*command, "--configuration", str(conf)], environ)  # noqa: S606 - no shell wanted
    return 1  # pragma: no cover - execve does not return
