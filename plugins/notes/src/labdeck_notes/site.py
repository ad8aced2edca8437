"""The served workshop: loaded on first use, reloaded when its files change.

A change is noticed by a signature (modification times of the configuration files,
of every content folder and of every page), recomputed at most once a second and
only when a request comes, so an idle server does no work.
"""

from __future__ import annotations

import logging
import math
import os
import time
import zlib
from pathlib import Path

from .folders import find_base
from .formats.educates import DEFINITION
from .render import RenderCache
from .workshop import Workshop, load_workshop

log = logging.getLogger(__name__)

RECHECK_SECONDS = 1.0
CONFIG_FILES = ("modules.yaml", "workshop.yaml", "config.js", "index.json")
MISSING = ("missing",)  #: the signature of a workshop folder that is not there (renamed or deleted)


def workshop_signature(root: Path, workshop_file: str = "workshop.yaml") -> tuple:
    """Changes whenever a page, a folder or a configuration file of the workshop changes."""
    base, content = find_base(root)
    parts: list[tuple] = []
    files = [(name, base / name) for name in (*CONFIG_FILES, workshop_file)]
    files.append((str(DEFINITION), root / DEFINITION))  # an Educates workshop's title, variables
    for name, path in files:
        try:
            stat = path.stat()
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
    """The workshop behind one labdeck app (one per ``register_routes`` call).

    The server decides when to look again (``due``, at most once a second), computes the
    ``signature`` in its notes thread and has the render worker load the workshop when
    the signature changed (views.py); ``workshop`` does it all here, for callers without
    a worker."""

    def __init__(self, root: Path | None, workshop_file: str = "workshop.yaml"):
        self.root = Path(root) if root is not None else None
        self.workshop_file = workshop_file
        self.cache = RenderCache()
        self.current: Workshop | None = None
        self.failure: str | None = None  #: why the last load failed (the files did not change since)
        self._signature: tuple | None = None
        self._checked = -math.inf
        self.version = 0  #: bumped on every reload
        self.structure = 0  #: a checksum of titles and navigation, for live reload

    def due(self) -> bool:
        """Time to look for changes (and start the clock again)?"""
        now = time.monotonic()
        if (self.current is not None or self.failure is not None) and now - self._checked < RECHECK_SECONDS:
            return False
        self._checked = now
        return True

    def signature(self) -> tuple:
        assert self.root is not None
        return workshop_signature(self.root, self.workshop_file) if self.root.is_dir() else MISSING

    def changed(self, signature: tuple) -> bool:
        return signature != self._signature

    def failed(self, signature: tuple, why: str) -> None:
        """The load for ``signature`` failed: keep what was loaded before; try again on the next change."""
        self._signature = signature
        self.failure = why
        log.error("workshop %s could not be loaded: %s", self.root, why)

    def lost(self) -> None:
        """The folder is gone: nothing to serve but saying so, until it is back (the next change)."""
        self.current = None
        self.failed(MISSING, f"the workshop folder {self.root} is missing (renamed or deleted while labdeck runs); "
                             "the pages come back when it is back")

    def replace(self, workshop: Workshop, signature: tuple, started: float) -> None:
        self.current = workshop
        self.failure = None
        self._signature = signature
        self.version += 1
        shape = (workshop.title, [(p.id, p.title, p.exit_sign, p.prev, p.next) for p in workshop.pages.values()])
        self.structure = zlib.crc32(repr(shape).encode())
        log.info("workshop %s loaded: %d pages in %.0f ms", self.root, len(workshop.pages),
                 (time.perf_counter() - started) * 1000)

    def workshop(self) -> Workshop | None:
        """Load (again, when it changed) in this thread."""
        if self.root is None:
            return None
        if self.due():
            signature = self.signature()
            if self.changed(signature):
                started = time.perf_counter()
                self.replace(load_workshop(self.root, workshop_file=self.workshop_file), signature, started)
        return self.current
