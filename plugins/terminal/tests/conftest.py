"""Fixtures for labdeck-terminal tests.

CI needs: bash and procps (ps) on the machine, Debian's chromium for the browser tests,
and `pip install './plugins/terminal[butterfly]'` for the Butterfly tests (skipped without it).
"""

from __future__ import annotations

import asyncio
import inspect
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


@pytest.fixture(autouse=True)
def _no_playwright_loop_mark(request: pytest.FixtureRequest):
    """Between calls, Playwright's sync API marks its event loop as running in the main thread,
    so while the session-scoped ``chromium`` fixture lives, every pytest-asyncio test after it
    fails with "cannot be called from a running event loop". Lift the mark for the duration
    of each test here and put it back afterwards (no sync Playwright call happens in between).
    To be fixed in labdeck.testing; this keeps the order of test files irrelevant meanwhile."""
    if not inspect.iscoroutinefunction(request.function):
        yield
        return
    mark = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    yield
    asyncio._set_running_loop(mark)
