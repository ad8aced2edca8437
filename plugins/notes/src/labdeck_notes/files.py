"""Files beside the pages, served from one folder and nowhere else."""

from __future__ import annotations

from pathlib import Path


def safe_file(folder: Path, relative: str) -> Path | None:
    """``folder/relative`` when it is a regular file inside ``folder`` (after resolving
    symlinks), else None. Refuses ``..``, absolute paths, backslashes, NUL and dotfiles."""
    if not relative or "\x00" in relative or "\\" in relative or relative.startswith("/"):
        return None
    parts = relative.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    try:
        base = folder.resolve(strict=True)
        target = (base / relative).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(base) or not target.is_file():
        return None
    return target
