"""Fault drills for what labdeck keeps on disk and what it serves from disk, against a real ``labdeck serve``.

- The disk is full when labdeck writes its state. Today the only durable state is core's record of
  revoked sessions (``<runtime folder>/revoked-sessions``, docs/security.md). On a full disk (a tiny
  tmpfs mounted as the runtime folder: needs root, as CI runs; skipped otherwise) signing out still
  ends the session at once, the log names the file that was not updated, no half-written file is
  left behind, and the record keeps every id written before: a restarted labdeck still refuses
  those cookies (test_drill_disk_full_at_sign_out_…). The attendee's progress and the editor's
  saves do not exist yet (their own issues): their drills come with them.
- A workshop folder that disappears while served (renamed away, or deleted): the notes answer with
  a page naming the missing folder, labdeck keeps running, other plugins keep answering, and once
  the folder is back its pages are served again without a restart
  (test_drill_workshop_folder_…_while_served).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from labdeck_testing import LabdeckServer, wait_until


def fetch(server: LabdeckServer, path: str, cookies: dict[str, str], method: str = "GET") -> tuple[int, str]:
    """(status, body) as a browser of this origin gets it, without following redirects."""
    headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
               "Origin": "/".join(server.url.split("/", 3)[:3])}
    request = urllib.request.Request(server.url + path, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def said(server: LabdeckServer, text: str) -> bool:
    return text in "".join(server.output)


# --- the disk is full ----------------------------------------------------------------------------


@pytest.fixture
def tiny_disk() -> Iterator[Path]:
    """A 64 KiB tmpfs of our own, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tiny tmpfs (a disk that fills up) needs root; CI runs these drills as root")
    folder = Path(tempfile.mkdtemp(prefix="labdeck-full-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)
        folder.rmdir()


def fill(disk: Path) -> None:
    with (disk / "filler").open("wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"x" * 4096)
        except OSError as error:
            assert error.errno == 28, error  # ENOSPC: the disk is full now


def test_drill_disk_full_at_sign_out_ends_the_session_and_keeps_the_record(tiny_disk, labdeck_server):
    runtime = tiny_disk / "rt"
    record = runtime / "revoked-sessions"
    env = {"LABDECK_RUNTIME_DIR": str(runtime), "LABDECK_PLUGINS": "example", "LABDECK_EXAMPLE_UPSTREAM_PORT": "0"}
    server = labdeck_server(env=env)
    try:
        first, second, third = server.cookies, server.cookies, server.cookies  # three sign-ins, three sessions
        for cookie in (first, second):
            assert fetch(server, "-/logout", cookie, method="POST")[0] == 200
        assert len(json.loads(record.read_text())) == 2
        written = record.read_bytes()

        fill(tiny_disk)
        status, page = fetch(server, "-/logout", third, method="POST")
        assert (status, "Signed out" in page) == (200, True)  # the attendee is signed out all the same
        assert fetch(server, "example/", third)[0] == 401  # and a copy of that cookie opens nothing
        wait_until(lambda: said(server, f"{record} not updated (No space left on device)"),
                   what="a log line naming the record that could not be written")
        assert record.read_bytes() == written  # untouched, not half-written
        assert sorted(p.name for p in runtime.iterdir()) == ["revoked-sessions"]  # no temporary file left
        assert fetch(server, "example/", server.cookies)[0] == 200  # signing in still works

        server.stop()
        again = labdeck_server(env=env, token=server.token)  # a later start, the disk still full
        assert [fetch(again, "example/", cookie)[0] for cookie in (first, second)] == [401, 401]
        assert fetch(again, "example/", again.cookies)[0] == 200
        again.stop()
    finally:
        server.stop()


# --- the workshop folder disappears ----------------------------------------------------------------


def welcome(status_and_page: tuple[int, str]) -> bool:
    return status_and_page[0] == 200 and "Hello from the first page" in status_and_page[1]


@pytest.mark.parametrize("how", ["renamed", "deleted"])
def test_drill_workshop_folder_renamed_or_deleted_while_served(how, tmp_path, labdeck_server):
    workshop = tmp_path / "workshop"
    workshop.mkdir()
    (workshop / "01-welcome.md").write_text("# Welcome\n\nHello from the first page.\n")
    (workshop / "02-next.md").write_text("# Next\n\nThe second page.\n")
    (workshop / "diagram.txt").write_text("a file beside the pages\n")
    server = labdeck_server(env={"WORKSHOP_DIR": str(workshop), "LABDECK_RUNTIME_DIR": str(tmp_path / "rt"),
                                 "LABDECK_PLUGINS": "notes,example", "LABDECK_EXAMPLE_UPSTREAM_PORT": "0"})
    cookies = server.cookies
    assert welcome(fetch(server, "notes/01-welcome", cookies))

    kept = tmp_path / "kept"
    shutil.copytree(workshop, kept)
    if how == "renamed":
        workshop.rename(tmp_path / "renamed-away")
    else:
        shutil.rmtree(workshop)
    missing = f"the workshop folder {workshop} is missing"
    for path in ("notes/01-welcome", "notes/", "notes/02-next", "notes/diagram.txt"):
        status, page = wait_until(lambda path=path: (got := fetch(server, path, cookies))[0] != 200 and got,
                                  what=f"{path} to change once the folder is gone")
        assert (status, missing in page) == (503, True), page
    assert server.process.poll() is None  # nothing crashed
    assert fetch(server, "example/", cookies)[0] == 200  # another plugin keeps answering
    assert said(server, missing)  # and the operator reads the same in the log

    if how == "renamed":
        (tmp_path / "renamed-away").rename(workshop)
    else:
        shutil.copytree(kept, workshop)
    wait_until(lambda: welcome(fetch(server, "notes/01-welcome", cookies)), what="the pages served again")
    assert fetch(server, "notes/diagram.txt", cookies) == (200, "a file beside the pages\n")
    assert server.process.poll() is None  # the same labdeck, never restarted
