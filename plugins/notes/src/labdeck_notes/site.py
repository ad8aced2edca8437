"""The served workshop: loaded on first use, reloaded when its files change.

A change is noticed by a signature (modification times of the configuration files,
of every content folder and of every page), recomputed at most once a second and
only when a request comes, so an idle server does no work.
"""

from __future__ import annotations

import logging
import os
import time
import zlib
from pathlib import Path

from .render import RenderCache
from .workshop import Workshop, find_base, load_workshop

log = logging.getLogger(__name__)

RECHECK_SECONDS = 1.0
CONFIG_FILES = ("modules.yaml", "workshop.yaml", "config.js")


def workshop_signature(root: Path, workshop_file: str = "workshop.yaml") -> tuple:
    """Changes whenever a page, a folder or a configuration file of the workshop changes."""
    base, content = find_base(root)
    parts: list[tuple] = []
    for name in (*CONFIG_FILES, workshop_file):
        try:
            stat = (base / name).stat()
            parts.append((name, stat.st_mtime_ns, stat.st_size))
        except OSError:
            parts.append((name,))
    for folder, dirs, files in os.walk(content):
        dirs[:] = [d for d in dirs if not d.startswith((".", "_")) and d != "node_modules"]
        try:
            parts.append((folder, os.stat(folder).st_mtime_ns))
        except OSError:
            continue
        for name in files:
            if name.endswith((".md", ".adoc")) or name == "sort":
                try:
                    stat = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                parts.append((name, stat.st_mtime_ns, stat.st_size))
    return tuple(parts)


class Site:
    """The workshop behind one labdeck app (one per ``register_routes`` call)."""

    def __init__(self, root: Path | None, workshop_file: str = "workshop.yaml"):
        self.root = Path(root) if root is not None else None
        self.workshop_file = workshop_file
        self.cache = RenderCache()
        self._workshop: Workshop | None = None
        self._signature: tuple | None = None
        self._checked = 0.0
        self.version = 0  #: bumped on every reload
        self.structure = 0  #: a checksum of titles and navigation, for live reload

    def workshop(self) -> Workshop | None:
        if self.root is None:
            return None
        now = time.monotonic()
        if self._workshop is not None and now - self._checked < RECHECK_SECONDS:
            return self._workshop
        self._checked = now
        signature = workshop_signature(self.root, self.workshop_file)
        if self._workshop is None or signature != self._signature:
            started = time.perf_counter()
            self._workshop = workshop = load_workshop(self.root, workshop_file=self.workshop_file)
            self._signature = signature
            self.version += 1
            shape = (workshop.title, [(p.id, p.title, p.exit_sign, p.prev, p.next) for p in workshop.pages.values()])
            self.structure = zlib.crc32(repr(shape).encode())
            log.info("workshop %s loaded: %d pages in %.0f ms", self.root, len(self._workshop.pages),
                     (time.perf_counter() - started) * 1000)
        return self._workshop
