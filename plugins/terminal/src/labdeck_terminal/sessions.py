"""The named sessions of one terminal server, and reaping their shells."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .pty import Session, ShellCommand

log = logging.getLogger("labdeck.terminal")

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
START_SCRIPT = Path(__file__).parent / "shell" / "start.sh"


class SessionLimit(Exception):
    """No room for another session."""


@dataclass(frozen=True)
class ShellConfig:
    """What every session's shell gets (see docs/terminal.md, "The shell")."""

    shell: str | None = None
    home: Path | None = None
    profile_dirs: Sequence[str] = ("/opt/app-root/etc/profile.d",)
    #: never handed to a shell: labdeck's declared secrets (an `env` on a projected screen shows all)
    hidden_env: Sequence[str] = ()
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def command(self, session: str) -> ShellCommand:
        env = {k: v for k, v in self.environ.items() if k not in self.hidden_env}
        env.update(shell_environment(self.shell or env.get("SHELL"), self.home, self.profile_dirs))
        env["LABDECK_TERMINAL_SESSION"] = session
        return ShellCommand(["/bin/sh", str(START_SCRIPT)], env)


def shell_environment(shell: str | None, home: Path | str | None, profile_dirs: Sequence[str]) -> dict[str, str]:
    """The variables shell/start.sh reads (shared with the Butterfly backend)."""
    if not shell:
        shell = "/bin/bash" if os.path.exists("/bin/bash") else "/bin/sh"
    env = {"SHELL": shell, "TERM": "xterm-256color", "LABDECK_TERMINAL_PROFILE_DIRS": ":".join(profile_dirs)}
    if home:
        env["LABDECK_TERMINAL_HOME"] = str(home)
    return env


class Sessions:
    """Name -> running ``Session``; creates on first attach, up to ``limit``."""

    def __init__(self, config: ShellConfig, *, limit: int = 16, scrollback: int = 512 * 1024,
                 window: int = 512 * 1024) -> None:
        self.config = config
        self.limit = limit
        self.scrollback = scrollback
        self.window = window
        self.by_name: dict[str, Session] = {}
        self._all: list[Session] = []  # every session whose shell has not been reaped

    def get(self, name: str) -> Session | None:
        return self.by_name.get(name)

    def open(self, name: str, cols: int, rows: int) -> tuple[Session, bool]:
        """The running session ``name``, or a new one; the flag tells which."""
        session = self.by_name.get(name)
        if session is not None:
            return session, False
        if len(self.by_name) >= self.limit:
            raise SessionLimit(f"at most {self.limit} terminal sessions can run at once")
        session = Session.spawn(name, self.config.command(name), cols=cols, rows=rows,
                                scrollback=self.scrollback, window=self.window, on_end=self._ended)
        self.by_name[name] = session
        self._all.append(session)
        return session, True

    def _ended(self, session: Session) -> None:
        if self.by_name.get(session.name) is session:
            del self.by_name[session.name]
        with contextlib.suppress(ValueError):
            self._all.remove(session)

    async def hangup_all(self, grace: float = 1.5) -> None:
        """SIGHUP every shell, wait up to ``grace`` seconds, SIGKILL what is left."""
        for session in self._all:
            session.hangup()
        if not await self._reaped(grace):
            for session in self._all:
                if not session.reaped.is_set():
                    log.warning("session %s: shell %d ignored SIGHUP, killing it", session.name, session.pid)
                    session.kill()
            await self._reaped(0.5)

    async def _reaped(self, seconds: float) -> bool:
        """Wait until every shell has been reaped; False if some are left after ``seconds``."""
        waits = [session.reaped.wait() for session in self._all]
        try:
            await asyncio.wait_for(asyncio.gather(*waits), seconds)
        except TimeoutError:
            return False
        return True
