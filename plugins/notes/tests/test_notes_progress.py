"""The progress store: what an attendee did survives restarts, kill -9 and a damaged file."""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys

from labdeck_notes.progress import IDLE_CAP, ProgressStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_time_on_each_page_counts_until_the_next_view_capped_when_idle(tmp_path):
    clock = Clock()
    store = ProgressStore(tmp_path / "p.sqlite", clock=clock)
    store.visit("alice", "intro")
    clock.now += 30
    store.visit("alice", "step-1")
    clock.now += IDLE_CAP * 5  # lunch
    store.visit("alice", "step-2")
    clock.now += 12
    snapshot = store.snapshot("alice")
    assert snapshot["version"] == 1 and snapshot["current"] == "step-2"
    assert {page: entry["seconds"] for page, entry in snapshot["pages"].items()} == {
        "intro": 30, "step-1": IDLE_CAP, "step-2": 12}
    assert snapshot["pages"]["intro"]["visited"] == 1000.0


def test_results_keep_the_latest_state_per_block_and_check_and_attendees_stay_apart(tmp_path):
    store = ProgressStore(tmp_path / "p.sqlite")
    store.visit("alice", "step-1")
    store.result("alice", "block", "step-1", "2", "running")
    store.result("alice", "block", "step-1", "2", "failed", code=1, seconds=0.5)
    store.result("alice", "check", "step-1", "pods-ready", "passed")
    store.visit("bob", "intro")
    alice = store.snapshot("alice")["pages"]["step-1"]
    assert alice["blocks"] == {"2": {"state": "failed", "code": 1, "seconds": 0.5}}
    assert alice["checks"]["pods-ready"]["state"] == "passed"
    assert list(store.snapshot("bob")["pages"]) == ["intro"]
    store.reset("alice")
    assert store.snapshot("alice")["pages"] == {} and store.snapshot("alice")["current"] is None
    assert store.snapshot("bob")["current"] == "intro"


def test_progress_survives_kill_9_of_the_process_that_wrote_it(tmp_path):
    path = tmp_path / "p.sqlite"
    writer = subprocess.Popen([sys.executable, "-c", f"""
import os, signal, sys
from labdeck_notes.progress import ProgressStore
store = ProgressStore({str(path)!r})
store.visit("alice", "step-3")
store.result("alice", "block", "step-3", "1", "passed", code=0, seconds=1.0)
print("written", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "written"
    assert writer.wait() == -signal.SIGKILL
    snapshot = ProgressStore(path).snapshot("alice")
    assert snapshot["current"] == "step-3"
    assert snapshot["pages"]["step-3"]["blocks"]["1"]["state"] == "passed"


def test_a_damaged_file_is_kept_aside_and_progress_starts_afresh_without_an_error(tmp_path, caplog):
    path = tmp_path / "p.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    store = ProgressStore(path)
    with caplog.at_level(logging.ERROR, logger="labdeck.notes.progress"):
        assert store.snapshot("alice")["pages"] == {}
    assert "is damaged" in caplog.text and str(path) in caplog.text
    assert [p.name for p in tmp_path.glob("p.sqlite.corrupt-*")]  # nothing lost: the old file is kept
    store.visit("alice", "intro")
    assert store.snapshot("alice")["current"] == "intro"


def test_a_locked_database_skips_a_write_with_a_warning_never_an_exception(tmp_path, caplog):
    path = tmp_path / "p.sqlite"
    store = ProgressStore(path)
    store.visit("alice", "intro")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the file
    with caplog.at_level(logging.WARNING, logger="labdeck.notes.progress"):
        store.visit("alice", "step-1")
    assert "busy" in caplog.text
    assert store.snapshot("alice")["current"] == "intro"  # reads still work (WAL)
    other.execute("ROLLBACK")
    other.close()
    store.visit("alice", "step-1")
    assert store.snapshot("alice")["current"] == "step-1" and store.problem is None


def test_an_unwritable_place_gives_an_empty_progress_and_says_why(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = ProgressStore(blocker / "sub" / "p.sqlite")  # a folder under a file cannot exist
    store.visit("alice", "intro")
    snapshot = store.snapshot("alice")
    assert snapshot["pages"] == {} and "progress is not kept" in snapshot["problem"]
    assert os.fspath(blocker) in snapshot["problem"]
