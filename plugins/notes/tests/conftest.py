"""Fixtures for the notes plugin's tests.

Feature tests use the example workshops in examples/ (copy one with ``example_copy``);
the tests over real published workshops are test_conformance_*.py, with the corpus
fixtures of the repository's conftest.py. CI needs: node (config.js is evaluated with
it; tests that need it skip without it) and /usr/bin/chromium for the browser tests.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from html import unescape
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"


@pytest.fixture
def example_copy(tmp_path: Path):
    """A writable copy of one example workshop: example_copy("raneto")."""

    def copy(name: str) -> Path:
        return Path(shutil.copytree(EXAMPLES / name, tmp_path / name))

    return copy


@pytest.fixture
def notes_client(labdeck_client):
    """An in-process labdeck with only the notes plugin, signed in (auth none). A workshop's
    setup.d scripts do not run (corpus workshops' scripts call kubectl) unless a test asks with
    ``notes_setup_scripts=True``."""
    import labdeck_notes

    async def make(content: Path, prefix: str = "/", **settings):
        settings.setdefault("notes_setup_scripts", False)
        return await labdeck_client({"notes": labdeck_notes}, content=Path(content), prefix=prefix,
                                    auth="none", **settings)

    return make


@pytest.fixture
def exited_spawn():
    """``exited_spawn(*command)``: a stand-in for ``asyncio.create_subprocess_exec`` that starts
    ``command`` (or what it was asked to) and returns once the process has exited and its stdin's
    end is closed, before labdeck writes to it: a busy machine, or a child killed meanwhile."""
    spawn = asyncio.create_subprocess_exec

    def make(*command: str):
        async def exited(*args, **kwargs):
            process = await spawn(*(command or args), **kwargs)
            await process.wait()
            await asyncio.sleep(0.2)  # uvloop closes the pipe's transport once it sees the end
            return process

        return exited

    return make


@pytest.fixture
def pages_folder(tmp_path: Path):
    """``pages_folder({"01-start.md": "# Start ..."})``: a plain folder workshop of these pages."""

    def make(pages: dict[str, str]) -> Path:
        folder = tmp_path / "workshop"
        folder.mkdir()
        for name, text in pages.items():
            (folder / name).write_text(text)
        return folder

    return make


@pytest.fixture
def progress_client(notes_client, tmp_path: Path):
    """``await progress_client(workshop, **settings)``: a notes client keeping progress in a file of its own."""

    async def make(workshop: Path, **settings):
        return await notes_client(workshop, notes_progress_file=tmp_path / "progress.sqlite", **settings)

    return make


@pytest.fixture
def renders_and_walks(notes_client):
    """``await renders_and_walks(folder)``: every page renders without an error box, and the
    top bar's next links walk the whole sequence, first to last; returns the client and
    the walked URLs."""
    from labdeck_notes.workshop import load_workshop

    async def check(folder: Path):
        workshop = load_workshop(folder)
        client = await notes_client(folder)
        for page_id in workshop.pages:
            response = await client.get(f"/notes/{page_id}")
            assert response.status == 200, page_id
            assert 'class="ld-error"' not in await response.text(), page_id
        walked: list[str] = []
        url: str | None = f"/notes/{workshop.sequence[0]}"
        while url and url not in walked:
            walked.append(url)
            match = re.search(r'<a class="ld-nav-next" href="([^"]+)"', await (await client.get(url)).text())
            url = unescape(match.group(1)) if match else None
        assert walked == [f"/notes/{page_id}" for page_id in workshop.sequence]
        # a page outside the sequence is one the workshop leaves out and `notes check` names
        left_out = set(workshop.pages) - set(workshop.sequence)
        assert all(any(repr(page_id) in p.message for p in workshop.problems) for page_id in left_out), left_out
        return client, walked

    return check
