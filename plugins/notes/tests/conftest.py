"""Fixtures for the notes plugin's tests.

The corpus of real workshops lives outside the repository: LABDECK_CORPUS, default
<repo>/../shared/corpus (where CI puts its copy of shared/). Tests that need it skip
when it is truly absent. CI needs: node (config.js is evaluated with it; tests that
need it skip without it) and /usr/bin/chromium for the browser tests.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
CORPUS = Path(os.environ.get("LABDECK_CORPUS", REPO.parent / "shared" / "corpus"))
WORKSHOPS = ("lab-workshop-content", "lab-k8s-fundamentals", "lab-couchbase-operator")
EXAMPLE = REPO / "examples" / "workshop"


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not (CORPUS / WORKSHOPS[0]).is_dir():
        pytest.skip(f"workshop corpus not found at {CORPUS} (set LABDECK_CORPUS)")
    return CORPUS


@pytest.fixture
def corpus_copy(corpus: Path, tmp_path: Path):
    """A writable copy of one corpus workshop: corpus_copy("lab-couchbase-operator")."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(corpus / name, target)
        for path in [target, *target.rglob("*")]:  # the corpus copy in CI has no write bits
            path.chmod(path.stat().st_mode | 0o200)
        return target

    return copy


@pytest.fixture
def notes_client(labdeck_client):
    """An in-process labdeck with only the notes plugin, signed in (auth none)."""
    import labdeck_notes

    async def make(content: Path, prefix: str = "/", **settings):
        return await labdeck_client({"notes": labdeck_notes}, content=Path(content), prefix=prefix,
                                    auth="none", **settings)

    return make
