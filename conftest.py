"""The conformance set: tests that run labdeck over real published workshops.

The corpus of real workshops lives outside the repository (LABDECK_CORPUS, default
<repo>/../shared/corpus). Tests of labdeck's own features use the workshops in
examples/ and run everywhere; the tests that need the corpus live in files named
``test_conformance_*.py`` only, are marked ``conformance``, and without the corpus are
skipped with ONE line at the end of the run saying so. Another test asking for the
corpus is an error, so nothing skips silently.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from labdeck_testing import corpus_folder

REPO = Path(__file__).resolve().parent
CORPUS = corpus_folder(REPO)
#: what the original renderer showed for the homeroom-era corpus workshops (its README)
ORACLE = Path(os.environ.get("LABDECK_ORACLE", CORPUS.parent / "oracle" / "homeroom"))
CORPUS_WORKSHOPS = ("lab-workshop-content", "lab-k8s-fundamentals", "lab-couchbase-operator")
_MISSING = None if (CORPUS / CORPUS_WORKSHOPS[0]).is_dir() else f"no workshop corpus at {CORPUS} (set LABDECK_CORPUS)"
_skipped: list[str] = []
_without_oracle: list[str] = []


def _conformance(item: pytest.Item) -> bool:
    return item.path.name.startswith("test_conformance_")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance: runs real workshops of the corpus (test_conformance_*.py)")
    _own_home(config)


def _own_home(config: pytest.Config) -> None:
    """Every shell the tests start reads ~/.profile and ~/.bashrc: give the run an empty HOME.

    The machine's own start files are not ours to run: on CI they run ``pyenv init``, whose
    rehash takes a lock file; a test hanging up a shell mid-rehash left the lock behind, and
    every later shell waited 60 s for it (two Butterfly tests failed so).
    """
    home = tempfile.mkdtemp(prefix="labdeck-test-home-")
    previous = os.environ.get("HOME")
    os.environ["HOME"] = home

    def restore() -> None:
        if previous is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = previous
        shutil.rmtree(home, ignore_errors=True)

    config.add_cleanup(restore)


@pytest.fixture(autouse=True)
def _own_progress(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every notes app a test starts keeps progress in a file of the test's own, not in the run's
    HOME: the notes root leads to the page visited last, which another test must not have chosen.
    In-process apps read DEFAULT_FILE; ``labdeck serve`` processes the test starts inherit the
    environment variable (a test may still name a file of its own)."""
    try:
        from labdeck_notes import progress
    except ImportError:
        return
    path = tmp_path_factory.mktemp("progress") / "progress.sqlite"
    monkeypatch.setattr(progress, "DEFAULT_FILE", path)
    monkeypatch.setenv("LABDECK_NOTES_PROGRESS_FILE", str(path))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _conformance(item):
            item.add_marker(pytest.mark.conformance)
            if _MISSING:
                item.add_marker(pytest.mark.skip(reason=_MISSING))
                _skipped.append(item.nodeid)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if _skipped:
        terminalreporter.write_line(f"conformance: {len(_skipped)} test(s) over real workshops did not run: {_MISSING}")
    if _without_oracle:
        terminalreporter.write_line(f"conformance: {len(_without_oracle)} test(s) comparing with the original "
                                    f"renderer did not run: no oracle at {ORACLE} (set LABDECK_ORACLE)")


@pytest.fixture
def corpus(request: pytest.FixtureRequest) -> Path:
    """The corpus folder; only for test_conformance_*.py."""
    if not _conformance(request.node):
        pytest.fail("the workshop corpus is for test_conformance_*.py only; use examples/ elsewhere")
    return CORPUS


@pytest.fixture
def oracle(corpus: Path, request: pytest.FixtureRequest) -> Path:
    """The original renderer's output per homeroom workshop (``<name>.json``); only for
    test_conformance_*.py. A corpus without it skips like a missing corpus, saying so."""
    if not ORACLE.is_dir():
        _without_oracle.append(request.node.nodeid)
        pytest.skip(f"no oracle at {ORACLE} (set LABDECK_ORACLE)")
    return ORACLE


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
