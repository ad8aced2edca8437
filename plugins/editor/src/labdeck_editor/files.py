"""The files the editor may touch: paths confined to one root folder, and what is done to them.

Every path comes from the browser as text relative to the root (``src/app.py``). It is refused,
before anything on disk is looked at, when it is absolute, holds a NUL byte or a ``..`` segment;
then it is resolved (symlinks followed) and refused when the result lies outside the root, so a
symlink inside the root that points out of it leads nowhere. Plain functions, no aiohttp: the
handlers (api.py) run them in a worker thread.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

#: bytes looked at to tell text from binary
SNIFF = 8192


class FileError(Exception):
    """A request the editor refuses or cannot carry out; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Root:
    """The folder the editor shows, and the largest file it reads or writes."""

    folder: Path
    max_size: int

    def resolve(self, relative: str, *, must_exist: bool = True) -> Path:
        """The real path of ``relative`` inside the root, or FileError (400 bad path, 403 outside, 404)."""
        if "\x00" in relative:
            raise FileError(400, "a path may not contain a NUL byte")
        pure = PurePosixPath(relative.replace("\\", "/"))
        if pure.is_absolute():
            raise FileError(400, f"{relative!r}: give a path relative to the editor's folder, not an absolute one")
        if ".." in pure.parts:
            raise FileError(400, f"{relative!r}: '..' is not allowed in a path")
        root = self.folder.resolve()
        path = (root / pure).resolve()
        if path != root and not path.is_relative_to(root):
            raise FileError(403, f"{relative!r} leads outside the editor's folder")
        if must_exist and not path.exists():
            raise FileError(404, f"{relative!r} does not exist")
        return path

    def entry(self, relative: str) -> Path:
        """The path itself (a symlink not followed), in a folder confined to the root: what is renamed
        or deleted. Its target is confined too, so a link out of the root is refused, not removed."""
        self.resolve(relative)
        pure = PurePosixPath(relative.replace("\\", "/"))
        path = self.resolve(pure.parent.as_posix()) / pure.name
        if path == self.folder.resolve() or not pure.name:
            raise FileError(400, "the editor's folder itself cannot be renamed or deleted")
        return path

    def relative(self, path: Path) -> str:
        """``path`` (inside the root) as the browser names it: '' for the root itself."""
        rel = path.relative_to(self.folder.resolve()).as_posix()
        return "" if rel == "." else rel

    def too_big(self, name: str, size: int) -> FileError:
        return FileError(413, f"{name} is {_human(size)}; the editor handles files up to {_human(self.max_size)}")


def _human(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def version(info: os.stat_result) -> str:
    """What changes when a file is written: the browser compares it to notice changes on disk."""
    return f"{info.st_mtime_ns}-{info.st_size}"


def listing(root: Root, relative: str) -> dict:
    """The entries of a folder: folders first, then files, each by name."""
    folder = root.resolve(relative)
    if not folder.is_dir():
        raise FileError(400, f"{relative!r} is not a folder")
    entries = []
    for entry in os.scandir(folder):
        try:
            is_dir = entry.is_dir()
            size = 0 if is_dir else entry.stat().st_size
        except OSError:  # a dangling symlink: shown, and refused when opened
            is_dir, size = False, 0
        entries.append({"name": entry.name, "type": "dir" if is_dir else "file", "size": size})
    entries.sort(key=lambda item: (item["type"] != "dir", item["name"].lower()))
    return {"path": root.relative(folder), "entries": entries}


def read(root: Root, relative: str) -> dict:
    """A text file's content and version; a binary file's size only (the editor shows it read-only)."""
    path = root.resolve(relative)
    if not path.is_file():
        raise FileError(400, f"{relative!r} is not a file")
    info = path.stat()
    if info.st_size > root.max_size:
        raise root.too_big(relative, info.st_size)
    data = path.read_bytes()
    result = {"path": root.relative(path), "version": version(info), "size": len(data),
              "writable": os.access(path, os.W_OK)}
    if b"\x00" in data[:SNIFF]:
        return {**result, "binary": True, "text": None}
    try:
        return {**result, "binary": False, "text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {**result, "binary": True, "text": None}


def stat_file(root: Root, relative: str) -> dict:
    """The version of a file, or ``exists: false``: what the browser polls for open files."""
    try:
        path = root.resolve(relative)
    except FileError as error:
        if error.status == 404:
            return {"path": relative, "exists": False}
        raise
    return {"path": root.relative(path), "exists": True, "version": version(path.stat())}


def write(root: Root, relative: str, text: str, *, expected: str | None = None, create: bool = False) -> dict:
    """Write ``text`` (UTF-8). ``expected``: the version the browser last saw; a different one on
    disk means someone else changed the file (409). ``create``: the file must not exist yet (409)."""
    data = text.encode("utf-8")
    if len(data) > root.max_size:
        raise root.too_big(relative, len(data))
    path = root.resolve(relative, must_exist=False)
    if path.exists():
        if create:
            raise FileError(409, f"{relative!r} exists already")
        if not path.is_file():
            raise FileError(400, f"{relative!r} is not a file")
        if expected is not None and version(path.stat()) != expected:
            raise FileError(409, f"{relative!r} changed on disk since it was opened")
        if _is_binary(path):
            raise FileError(400, f"{relative!r} is a binary file; the editor does not change it")
    else:
        _make_parents(root, path)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else None
    temporary = path.with_name(f".{path.name}.labdeck-editor~")
    temporary.write_bytes(data)
    if mode is not None:
        temporary.chmod(mode)  # keep an executable script executable
    temporary.replace(path)  # whole or not at all: a crash mid-write leaves the old file
    return {"path": root.relative(path), "version": version(path.stat()), "size": len(data)}


def _is_binary(path: Path) -> bool:
    with path.open("rb") as file:
        head = file.read(SNIFF)
    if b"\x00" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start < len(head) - 4  # not just a character cut in two at the end
    return False


def _make_parents(root: Root, path: Path) -> None:
    """Create the folders above a new file; each was checked to be inside the root by resolve()."""
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise FileError(400, f"{root.relative(parent)!r} is not a folder")
    parent.mkdir(parents=True, exist_ok=True)


def make_folder(root: Root, relative: str) -> dict:
    path = root.resolve(relative, must_exist=False)
    if path.exists():
        raise FileError(409, f"{relative!r} exists already")
    path.mkdir(parents=True)
    return {"path": root.relative(path)}


def rename(root: Root, source: str, target: str) -> dict:
    """Move a file or folder; the target must not exist (409)."""
    old = root.entry(source)
    new = root.resolve(target, must_exist=False)
    if new.exists():
        raise FileError(409, f"{target!r} exists already")
    _make_parents(root, new)
    old.rename(new)
    return {"path": root.relative(new)}


def delete(root: Root, relative: str) -> dict:
    """Delete a file, or a folder and everything in it; a symlink is removed, never followed."""
    path = root.entry(relative)
    if path.is_symlink() or not path.is_dir():
        path.unlink()
    else:
        shutil.rmtree(path)
    return {"path": relative}
