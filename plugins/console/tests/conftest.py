"""Fixtures for the console plugin's tests: a fake console (tests/fake_console.py), in
process or as a program. Needs nothing beyond the dev tools; the browser test needs
Debian's chromium (apt-get install chromium) and labdeck-dashboard, else it is skipped."""

from __future__ import annotations

import importlib.util
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import labdeck_testing

FAKE_CONSOLE = Path(__file__).parent / "fake_console.py"

_spec = importlib.util.spec_from_file_location("labdeck_console_tests_fake_console", FAKE_CONSOLE)
fake_console = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fake_console)


@dataclass
class FakeConsole:
    url: str  # CONSOLE_URL for it
    seen: list[dict]  # every request it got: path, headers, cookies


@pytest.fixture
def fake_console_app():
    """``make_app(base_path)`` of tests/fake_console.py, to serve it your own way."""
    return fake_console.make_app


@pytest.fixture
async def console(aiohttp_server) -> FakeConsole:
    """The fake console in this test's event loop, under /ui/."""
    server = await aiohttp_server(fake_console.make_app("/ui/"))
    return FakeConsole(url=str(server.make_url("/ui")), seen=server.app[fake_console.SEEN])


@pytest.fixture(name="free_port")
def free_port_fixture() -> int:
    return labdeck_testing.free_port()


@pytest.fixture
def fake_console_command() -> str:
    """LABDECK_CONSOLE_COMMAND running the fake console as a program on ``{port}`` under labdeck's
    public path (``{base_path}``), so it goes with LABDECK_CONSOLE_KEEP_PATH=true."""
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(FAKE_CONSOLE))} {{port}} {{base_path}}"
