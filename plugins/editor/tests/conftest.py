"""Fixtures for the editor's browser tests: a real ``labdeck serve`` (dashboard, notes, terminal,
editor) over a workshop folder, signed in in real Chromium."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect


@pytest.fixture
def home() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="lde-"))  # short: the terminal server's socket lives beside it
    (path / "home").mkdir()
    yield path / "home"
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def open_dashboard(labdeck_server, chromium, home) -> Iterator[Callable[[Path], tuple[Page, str]]]:
    """``open_dashboard(workshop)`` -> (signed-in dashboard page, the server's URL), the attendee's
    home (and the editor's folder) being ``home``."""
    contexts = []

    def start(workshop: Path) -> tuple[Page, str]:
        env = {"LABDECK_RUNTIME_DIR": str(home.parent), "URI_ROOT_PATH": "/user/alice/", "HOME": str(home),
               "TERMINAL_HOME": str(home), "LABDECK_EDITOR_ROOT": str(home), "WORKSHOP_DIR": str(workshop),
               "LABDECK_PLUGINS": "dashboard,notes,terminal,editor",
               "LABDECK_TERMINAL_PROFILE_DIRS": str(home.parent / "profile.d")}
        server = labdeck_server(env=env)
        context = chromium.new_context(viewport={"width": 1200, "height": 800}, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{server.url}?token={server.token}")
        expect(page).to_have_url(server.url + "dashboard/")
        return page, server.url

    yield start
    for context in contexts:
        context.close()
