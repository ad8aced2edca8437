"""The named sessions of one terminal server, and reaping their shells."""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence

from . import log
from .loop import Loop
from .pty import Session, ShellCommand

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
START_SCRIPT = os.path.join(os.path.dirname(__file__), "shell", "start.sh")
#: how often a stopping server looks whether every shell has been reaped
REAP_POLL = 0.02


class SessionLimit(Exception):
    """No room for another session."""


class ShellConfig:
    """What every session's shell gets (see docs/terminal.md, "The shell"). ``hidden_env``: never
    handed to a shell, labdeck's declared secrets (an `env` on a projected screen shows all)."""

    def __init__(self, shell: str | None = None, home: str | None = None,
                 profile_dirs: Sequence[str] = ("/opt/app-root/etc/profile.d",), hidden_env: Sequence[str] = (),
                 environ: Mapping[str, str] | None = None) -> None:
        self.shell, self.home, self.profile_dirs, self.hidden_env = shell, home, profile_dirs, hidden_env
        self.environ = dict(os.environ if environ is None else environ)

    def command(self, session: str) -> ShellCommand:
        env = {k: v for k, v in self.environ.items() if k not in self.hidden_env}
        env.update(shell_environment(self.shell or env.get("SHELL"), self.home, self.profile_dirs))
        env["LABDECK_TERMINAL_SESSION"] = session
        return ShellCommand(["/bin/sh", START_SCRIPT], env)


def shell_environment(shell: str | None, home: str | os.PathLike[str] | None,
                      profile_dirs: Sequence[str]) -> dict[str, str]:
    """The variables shell/start.sh reads (shared with the Butterfly backend)."""
    if not shell:
        shell = "/bin/bash" if os.path.exists("/bin/bash") else "/bin/sh"
    env = {"SHELL": shell, "TERM": "xterm-256color", "LABDECK_TERMINAL_PROFILE_DIRS": ":".join(profile_dirs)}
    if home:
        env["LABDECK_TERMINAL_HOME"] = str(home)
    return env


class Sessions:
    """Name -> running ``Session``; creates on first attach, up to ``limit``."""

    def __init__(self, loop: Loop, config: ShellConfig, *, limit: int = 16, scrollback: int = 512 * 1024,
                 window: int = 512 * 1024) -> None:
        self.loop = loop
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
        session = Session.spawn(self.loop, name, self.config.command(name), cols=cols, rows=rows,
                                scrollback=self.scrollback, window=self.window, on_end=self._ended)
        self.by_name[name] = session
        self._all.append(session)
        return session, True

    def _ended(self, session: Session) -> None:
        if self.by_name.get(session.name) is session:
            del self.by_name[session.name]
        with contextlib.suppress(ValueError):
            self._all.remove(session)

    def hangup_all(self, then: Callable[[], None], grace: float = 1.5) -> None:
        """SIGHUP every shell, wait up to ``grace`` seconds, SIGKILL what is left, then ``then()``."""
        for session in self._all:
            session.hangup()
        self._when_reaped(grace, lambda: self._kill_the_rest(then))

    def _kill_the_rest(self, then: Callable[[], None]) -> None:
        for session in self._all:
            if not session.reaped:
                log.warning("session %s: shell %d ignored SIGHUP, killing it", session.name, session.pid)
                session.kill()
        self._when_reaped(0.5, then)

    def _when_reaped(self, seconds: float, then: Callable[[], None]) -> None:
        """``then()`` once every shell has been reaped, or after ``seconds`` (only at the end, so a poll)."""
        deadline = time.monotonic() + seconds

        def check() -> None:
            if all(session.reaped for session in self._all) or time.monotonic() >= deadline:
                then()
            else:
                self.loop.call_later(REAP_POLL, check)

        check()
