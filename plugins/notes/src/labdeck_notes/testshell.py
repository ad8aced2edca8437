"""Real terminal sessions for ``labdeck notes test``: a terminal server of its own
(``python -m labdeck_terminal.server --socket …``, the same program attendees' shells run in)
and a client of its WebSocket protocol (docs/terminal.md).

A command's end and exit status come from the shell's OSC 133 marks (``ESC]133;C BEL`` when a
command starts, ``ESC]133;D;<status> BEL`` at the next prompt). A continuation prompt (an open
quote, a heredoc, ``for … do``) is recognised by a mark of our own put into ``PS2`` when the
session starts, so a block is typed line by line and each line's command is waited for.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

_MARK = re.compile(rb"\x1b\]133;(C|D(?:;(-?\d+))?|P)\x07")
_ANSI = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r")
#: typed once in every session: the continuation prompt announces itself (the leading space keeps
#: it out of the history where HISTCONTROL=ignorespace)
_SETUP = " PS2=$'\\e]133;P\\a> '\r"


def available() -> bool:
    return importlib.util.find_spec("labdeck_terminal") is not None


def plain(data: bytes) -> str:
    """Terminal output as text: escape sequences and carriage returns removed."""
    return _ANSI.sub("", data.decode("utf-8", "replace"))


@dataclass
class Outcome:
    """What one typed block did: ``status`` None while its command still runs."""

    status: int | None
    output: bytes
    started: bool = True


class Session:
    """One named terminal session, attached over the server's unix socket."""

    def __init__(self, name: str, http: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.name = name
        self.http = http
        self.ws = ws
        self.output = bytearray()
        self.received = 0
        self._seen = 0  # bytes of output whose marks have been read
        self.marks: list[tuple[str, int | None]] = []
        self.prompt_at = 0  # where the latest end-of-command mark starts: the prompt follows it
        self.busy = False  # a command left running (followed by an interrupt or input block)
        self.closed = False
        self.exit_code: int | None = None  # the shell's, once it exited (an ``exit`` block)

    @classmethod
    async def open(cls, socket_path: str, name: str) -> Session:
        http = aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=socket_path))
        try:
            ws = await http.ws_connect(f"http://localhost/ws/session/{name}?cols=160&rows=48", max_msg_size=0)
        except Exception:
            await http.close()
            raise
        session = cls(name, http, ws)
        await session.next_mark(("D",), 30)  # the first prompt: the shell is ready
        await session.type(_SETUP)
        await session.next_mark(("D",), 10)
        return session

    async def _receive(self, seconds: float) -> None:
        message = await self.ws.receive(max(seconds, 0.01))
        if message.type == aiohttp.WSMsgType.BINARY:
            self.output += message.data
            self.received += len(message.data)
            await self.ws.send_str(json.dumps({"t": "ack", "n": self.received}))
        elif message.type == aiohttp.WSMsgType.TEXT:
            control = json.loads(message.data)
            if control.get("t") == "ping":
                await self.ws.send_str(json.dumps({"t": "pong"}))
            elif control.get("t") == "exit":
                self.exit_code = int(control.get("code") or 0)
        elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING,
                              aiohttp.WSMsgType.ERROR):
            self.closed = True

    def _scan(self) -> None:
        # a mark may be cut between two frames: keep the last few bytes for the next scan
        end = len(self.output)
        for match in _MARK.finditer(self.output, self._seen):
            kind = match.group(1)[:1].decode()
            status = match.group(2)
            self.marks.append((kind, int(status) if status is not None else None))
            if kind == "D":
                self.prompt_at = match.start()
            self._seen = match.end()
        self._seen = max(self._seen, end - 16)

    async def next_mark(self, kinds: tuple[str, ...], seconds: float) -> tuple[str, int | None] | None:
        """The next mark of one of ``kinds`` (C, D, P), None at the deadline or when the shell is gone."""
        deadline = time.monotonic() + seconds
        while True:
            self._scan()
            while self.marks:
                mark = self.marks.pop(0)
                if mark[0] in kinds:
                    return mark
            left = deadline - time.monotonic()
            if left <= 0 or self.closed:
                return None
            with contextlib.suppress(TimeoutError):
                await self._receive(left)

    async def type(self, text: str) -> None:
        if not self.closed:
            with contextlib.suppress(ConnectionError):
                await self.ws.send_str(json.dumps({"t": "in", "d": text}))

    async def run(self, command: str, seconds: float) -> Outcome:
        """Type ``command`` line by line, each after the previous line's command ended; the
        outcome is the first non-zero status, or the last one; status None at the deadline."""
        start = len(self.output)
        deadline = time.monotonic() + seconds
        status: int | None = 0
        started = False
        for line in command.split("\n"):
            self.marks.clear()
            self._scan()
            self.marks.clear()
            await self.type(line + "\r")
            while True:
                mark = await self.next_mark(("C", "D", "P"), deadline - time.monotonic())
                if mark is None:  # still running, or the shell itself ended (``exit``)
                    return Outcome((self.exit_code or 0) if self.closed else None, bytes(self.output[start:]), started)
                if mark[0] == "C":
                    started = True
                    continue
                break
            if mark[0] == "D" and started and mark[1] and not status:
                status = mark[1]
        return Outcome(status, bytes(self.output[start:max(self.prompt_at, start)]), started)

    async def wait_idle(self, seconds: float) -> int | None:
        """The status a command left running ends with, None if it still runs at the deadline."""
        mark = await self.next_mark(("D",), seconds)
        if mark is not None:
            self.busy = False
        return None if mark is None else (mark[1] or 0)

    async def interrupt(self, seconds: float = 5.0) -> bool:
        """Ctrl-C; True once the shell shows its prompt again (or is gone: the next block starts another)."""
        if self.closed:
            return True
        self.marks.clear()
        self._scan()
        self.marks.clear()
        await self.type("\x03")
        if await self.next_mark(("D",), seconds) is None:
            return False
        self.busy = False
        return True

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()
        await self.http.close()


class TerminalServer:
    """``python -m labdeck_terminal.server`` on a socket in a private folder, stopped at exit."""

    def __init__(self, home: Path | None = None, server_args: tuple[str, ...] = ()) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="ldtest-"))  # short: unix socket paths are limited
        self.socket = str(self.folder / "terminal.sock")
        self.home = home
        self.server_args = server_args  #: --shell, --profile-dir: as the workshop's terminal settings say
        self.process: subprocess.Popen[bytes] | None = None
        self.sessions: dict[str, Session] = {}

    async def start(self) -> None:
        await asyncio.to_thread(self._start)

    def _start(self) -> None:
        args = [sys.executable, "-m", "labdeck_terminal.server", "--socket", self.socket, *self.server_args]
        if self.home is not None:
            args += ["--home", str(self.home)]
        env = {**os.environ, "SHELL": os.environ.get("LABDECK_TERMINAL_SHELL", "/bin/bash")}
        with open(self.folder / "server.log", "ab") as log:
            self.process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + 30
        while not os.path.exists(self.socket):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the terminal server did not start: "
                                   + (self.folder / "server.log").read_text(errors="replace")[-2000:])
            time.sleep(0.05)

    async def session(self, name: str) -> Session:
        if name in self.sessions and self.sessions[name].closed:
            await self.sessions.pop(name).close()
        if name not in self.sessions:
            self.sessions[name] = await Session.open(self.socket, name)
        return self.sessions[name]

    async def stop(self) -> None:
        for session in self.sessions.values():
            await session.close()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.process.wait, 10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
