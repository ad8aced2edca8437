"""``labdeck copy-once``: the first start fills the volume, later starts leave the attendee's changes alone."""

from __future__ import annotations

import os
import subprocess
import sys

from labdeck_jupyterhub.copy_once import MARKER


def copy_once(src, dest) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labdeck", "copy-once", str(src), str(dest)],
                          capture_output=True, text=True, timeout=60)


def test_copies_the_first_time_only_and_edits_survive(tmp_path):
    src = tmp_path / "app-root"
    (src / "src" / "workshop").mkdir(parents=True)
    (src / "src" / "workshop" / "page.md").write_text("original\n")
    (src / "bin").mkdir()
    (src / "bin" / "tool").write_text("#!/bin/sh\necho tool\n")
    (src / "bin" / "tool").chmod(0o775)
    (src / "src" / "link").symlink_to("workshop/page.md")
    volume = tmp_path / "volume"
    volume.mkdir()

    first = copy_once(src, volume)
    assert first.returncode == 0, first.stderr
    assert "copied" in first.stdout
    assert (volume / "src" / "workshop" / "page.md").read_text() == "original\n"
    assert os.access(volume / "bin" / "tool", os.X_OK) and (volume / "bin" / "tool").stat().st_mode & 0o020
    assert os.readlink(volume / "src" / "link") == "workshop/page.md"
    assert (volume / MARKER).exists()

    # the attendee works in the volume; the image gets a new file; the pod restarts
    (volume / "src" / "workshop" / "page.md").write_text("my notes\n")
    (volume / "src" / "mine.txt").write_text("keep me\n")
    (volume / "bin" / "tool").unlink()
    (src / "src" / "new-in-image.txt").write_text("new\n")

    second = copy_once(src, volume)
    assert second.returncode == 0, second.stderr
    assert "nothing copied" in second.stdout
    assert (volume / "src" / "workshop" / "page.md").read_text() == "my notes\n"
    assert (volume / "src" / "mine.txt").read_text() == "keep me\n"
    assert not (volume / "bin" / "tool").exists()
    assert not (volume / "src" / "new-in-image.txt").exists()


def test_an_interrupted_copy_is_done_again(tmp_path):
    src = tmp_path / "app-root"
    (src / "src").mkdir(parents=True)
    (src / "src" / "a.txt").write_text("a\n")
    (src / "src" / "b.txt").write_text("b\n")
    volume = tmp_path / "volume"
    (volume / "src").mkdir(parents=True)
    (volume / "src" / "a.txt").write_text("half")  # a copy cut short: no marker yet

    assert copy_once(src, volume).returncode == 0
    assert (volume / "src" / "a.txt").read_text() == "a\n"
    assert (volume / "src" / "b.txt").read_text() == "b\n"


def test_a_missing_source_is_an_error(tmp_path):
    result = copy_once(tmp_path / "nope", tmp_path / "volume")
    assert result.returncode == 1
    assert "nope" in result.stderr
    assert not (tmp_path / "volume").exists()
