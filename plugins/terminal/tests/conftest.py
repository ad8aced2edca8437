"""Fixtures for labdeck-terminal tests.

CI needs: bash on the machine, npm (the wheel build fetches xterm.js), Debian's chromium
for the browser tests, and `pip install './plugins/terminal[butterfly]'` for the Butterfly
tests (skipped without it).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from terminal_helpers import ServerProcess, short_dir


@pytest.fixture
def terminal_server() -> Iterator[Callable[..., ServerProcess]]:
    """Factory: ``terminal_server(*extra_args)`` starts a server; all are stopped afterwards."""
    servers: list[ServerProcess] = []
    folders: list[Path] = []

    def start(*args: str) -> ServerProcess:
        folder = short_dir()
        folders.append(folder)
        server = ServerProcess(folder, *args).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)



@dataclass(frozen=True)
class TcpServer:
    port: int
    token: str

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


@pytest.fixture
def tcp_server() -> Iterator[TcpServer]:
    """A terminal server on a loopback TCP port the kernel picks (as for benchmarks), with its token.

    ``--port 0`` and the port read from the server's "ready on" line: a port chosen beforehand
    may be taken by someone else before the server binds it."""
    token = secrets.token_urlsafe(16)
    folder = short_dir()
    process = subprocess.Popen([sys.executable, "-m", "labdeck_terminal.server", "--port", "0",
                                "--token", token, "--profile-dir", "", "--home", str(folder)],
                               env={**os.environ, "HOME": str(folder), "SHELL": "/bin/bash"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        port = ready_port(process)
        yield TcpServer(port, token)
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def ready_port(process: subprocess.Popen) -> int:
    """The port of a TCP terminal server's "ready on" line (its log goes to ``process.stderr``)."""
    seen = []
    for line in process.stderr:
        seen.append(line)
        match = re.search(r"ready on http://[^:/]+:(\d+)/", line)
        if match:
            threading.Thread(target=process.stderr.read, daemon=True).start()  # keep the pipe drained
            return int(match.group(1))
    raise AssertionError(f"the terminal server did not start (exit {process.wait()}):\n{''.join(seen)}")
