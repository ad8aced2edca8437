"""Fixtures for labdeck-terminal tests.

CI needs: bash on the machine, npm (the wheel build fetches xterm.js), Debian's chromium
for the browser tests, and `pip install './plugins/terminal[butterfly]'` for the Butterfly
tests (skipped without it).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from labdeck_testing import free_port

sys.path.insert(0, str(Path(__file__).parent))

from terminal_helpers import ServerProcess, short_dir, wait_for


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
    """A terminal server on a loopback TCP port (as for benchmarks), with its token."""
    port, token = free_port(), secrets.token_urlsafe(16)
    folder = short_dir()
    process = subprocess.Popen([sys.executable, "-m", "labdeck_terminal.server", "--port", str(port),
                                "--token", token, "--profile-dir", "", "--home", str(folder)],
                               env={**os.environ, "HOME": str(folder), "SHELL": "/bin/bash"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def listening() -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    wait_for(listening)
    yield TcpServer(port, token)
    process.terminate()
    process.wait(10)
    shutil.rmtree(folder, ignore_errors=True)
