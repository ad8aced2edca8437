"""Helpers for labdeck-terminal tests (imported by name: the conftest puts this folder on sys.path)."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from yarl import URL


def short_dir(prefix: str = "ldt-") -> Path:
    """A fresh private folder with a short path (unix socket paths are limited to 107 bytes),
    removed when the test run ends."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, True)
    return path


def wait_for(predicate, seconds: float = 10.0, interval: float = 0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {seconds}s waiting for {predicate}")


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def children_of(*pids: int) -> list[int]:
    """Processes whose parent is one of ``pids``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            if ppid in pids:
                found.append(int(entry.name))
    return found


def child_running(parent: int, needle: str) -> int | None:
    """The pid of ``parent``'s child whose command line contains ``needle``."""
    for pid in children_of(parent):
        try:
            if needle in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode():
                return pid
        except OSError:
            continue
    return None


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


#: the terminal page's screen, as text (xterm.js's DOM renderer), for Playwright
SCREEN = "() => document.querySelector('.xterm-rows').innerText"


def screen_has(page, text: str, timeout: float = 10_000, screen: str = SCREEN) -> None:
    """Wait until a line of the page's screen is ``text`` (a Playwright page)."""
    try:
        page.wait_for_function(f"() => ({screen})().split('\\n').some(line => line.trim() === {json.dumps(text)})",
                               timeout=timeout)
    except Exception:
        raise AssertionError(f"no line {text!r} on the screen:\n{page.evaluate(screen)}") from None


class ServerProcess:
    """``python -m labdeck_terminal.server`` on a unix socket, in a home of its own."""

    def __init__(self, folder: Path, *args: str) -> None:
        self.folder = folder
        self.home = folder / "home"
        self.home.mkdir(exist_ok=True)
        self.profile = folder / "profile.d"
        self.profile.mkdir(exist_ok=True)
        self.socket = str(folder / "terminal.sock")
        self.args = args
        self.log = folder / "server.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> ServerProcess:
        env = {**os.environ, "HOME": str(self.home), "SHELL": "/bin/bash", "LABDECK_TEST_SECRET": "x"}
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "labdeck_terminal.server", "--socket", self.socket,
                 "--profile-dir", str(self.profile), *self.args],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        wait_for(lambda: os.path.exists(self.socket) or self.process.poll() is not None)
        assert self.process.poll() is None, self.log.read_text()
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


class Term:
    """A WebSocket client of the terminal protocol (docs/terminal.md) that acknowledges
    what it reads, like the page does (unless ``ack=False``)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, http: aiohttp.ClientSession, *, ack: bool = True):
        self.ws = ws
        self.http = http
        self.ack = ack
        self.output = bytearray()
        self.received = 0
        self.controls: list[dict] = []
        self.hello: dict = {}
        self.closed = False
        self.close_code: int | None = None

    @classmethod
    async def open(cls, base: str, name: str = "1", *, socket_path: str | None = None,
                   cookies: dict | None = None, query: str = "", ack: bool = True,
                   headers: dict | None = None) -> Term:
        connector = aiohttp.UnixConnector(path=socket_path) if socket_path else None
        http = aiohttp.ClientSession(connector=connector, cookies=cookies)
        url = f"{base}ws/session/{name}" + (f"?{query}" if query else "")
        if not socket_path:  # as a browser does: the Origin of the page (labdeck wants one)
            headers = {"Origin": str(URL(base).origin()), **(headers or {})}
        try:
            ws = await http.ws_connect(url, max_msg_size=0, headers=headers or {})
        except Exception:
            await http.close()
            raise
        term = cls(ws, http, ack=ack)
        await term.until_control("hello", "error")
        term.hello = next((c for c in term.controls if c["t"] in ("hello", "error")), {})
        return term

    async def _receive(self, seconds: float) -> None:
        message = await self.ws.receive(seconds)
        if message.type == aiohttp.WSMsgType.BINARY:
            self.output += message.data
            self.received += len(message.data)
            if self.ack:
                await self._send_quietly({"t": "ack", "n": self.received})
        elif message.type == aiohttp.WSMsgType.TEXT:
            control = json.loads(message.data)
            self.controls.append(control)
            if control["t"] == "ping":
                await self._send_quietly({"t": "pong"})
        elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING,
                              aiohttp.WSMsgType.ERROR):
            # the code the server sent (aiohttp reports 1006 if the server hung up before our reply)
            if message.type == aiohttp.WSMsgType.CLOSE and self.close_code is None:
                self.close_code = message.data
            self.closed = True

    async def _send_quietly(self, message: dict) -> None:
        """Acks and pongs: the server may be closing the socket; the close comes next."""
        with contextlib.suppress(ConnectionError):
            await self.ws.send_str(json.dumps(message))

    async def until(self, pattern: str | bytes, seconds: float = 10.0) -> re.Match:
        """Read until the output (decoded) matches ``pattern``."""
        regex = re.compile(pattern if isinstance(pattern, str) else pattern.decode())
        deadline = time.monotonic() + seconds
        while True:
            match = regex.search(self.text)
            if match:
                return match
            if self.closed:
                raise AssertionError(f"closed before {pattern!r}; got {self.text[-2000:]!r}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {pattern!r} within {seconds}s; got {self.text[-2000:]!r}")
            with contextlib.suppress(TimeoutError):
                await self._receive(left)

    async def until_control(self, *kinds: str, seconds: float = 10.0) -> dict:
        deadline = time.monotonic() + seconds
        while True:
            for control in self.controls:
                if control["t"] in kinds:
                    return control
            if self.closed:
                raise AssertionError(f"closed ({self.close_code}) before {kinds}; controls {self.controls}; "
                                     f"output {self.text[-500:]!r}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kinds} within {seconds}s; controls {self.controls}")
            with contextlib.suppress(TimeoutError):
                await self._receive(left)

    async def until_closed(self, seconds: float = 10.0) -> int | None:
        deadline = time.monotonic() + seconds
        while not self.closed:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("still open")
            with contextlib.suppress(TimeoutError):
                await self._receive(left)
        return self.close_code or self.ws.close_code

    async def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.closed and time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                await self._receive(max(0.01, deadline - time.monotonic()))

    @property
    def text(self) -> str:
        return self.output.decode("utf-8", "replace")

    async def type(self, text: str) -> None:
        await self.ws.send_str(json.dumps({"t": "in", "d": text}))

    async def run(self, command: str, expect: str, seconds: float = 10.0) -> re.Match:
        await self.type(command + "\r")
        return await self.until(expect, seconds)

    async def resize(self, cols: int, rows: int) -> None:
        await self.ws.send_str(json.dumps({"t": "resize", "cols": cols, "rows": rows}))

    async def close(self) -> None:
        await self.ws.close()
        await self.http.close()
