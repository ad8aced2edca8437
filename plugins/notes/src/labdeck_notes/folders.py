"""Where a workshop's pages are, under the folder an author or operator gave.

Apart from workshop.py so that the dashboard's questions at its first page (is there a slides
folder?) do not load the workshop's reader.
"""

from __future__ import annotations

from pathlib import Path


def find_base(root: Path) -> tuple[Path, Path]:
    """(base, content) for the folder an author or operator gave."""
    for sub in ("workshop", "raneto"):
        if (root / sub / "content").is_dir():
            return root / sub, root / sub / "content"
    markers = ("modules.yaml", "workshop.yaml", "config.js")
    if (root / "content").is_dir() and any((root / name).exists() for name in markers):
        return root, root / "content"
    return root, root
