"""Fixtures for labdeck-terminal tests.

CI needs: bash on the machine, npm (the wheel build fetches xterm.js), Debian's chromium
for the browser tests, and `pip install './plugins/terminal[butterfly]'` for the Butterfly
tests (skipped without it).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
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

