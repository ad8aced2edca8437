"""Which ``labdeck`` entry points are installed, read straight from the installed metadata.

``importlib.metadata.entry_points`` says the same at a price a start notices: importing it
and building the entry points of every installed distribution took 8 to 10 ms of a start whose
whole budget beyond a bare aiohttp app is about 40 ms (docs/benchmarks.md, issue 18). This
reads only the ``[labdeck]`` section of each ``*.dist-info`` or ``*.egg-info`` folder's
``entry_points.txt`` (the PyPA entry points format), on ``sys.path`` in order and in name
order within a folder; as importlib.metadata does, the first distribution of a name on the path
wins. The distribution's name and version, for ``labdeck plugins``, still come from
importlib.metadata (``distribution_of``).
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

_METADATA_SUFFIXES = (".dist-info", ".egg-info")
_SEPARATORS = re.compile(r"[-_.]+")


class Found(NamedTuple):
    """One entry point: ``name = value`` in the group, from the metadata folder ``metadata``."""

    name: str
    value: str
    metadata: Path

    def load(self) -> Any:
        """The object ``value`` names: ``package.module`` or ``package.module:attribute.path``."""
        module, _, attribute = self.value.split("[", 1)[0].strip().partition(":")
        found = importlib.import_module(module.strip())
        for part in filter(None, attribute.strip().split(".")):
            found = getattr(found, part)
        return found


def entry_points(group: str, path: Iterable[str] | None = None) -> Iterator[Found]:
    """Every entry point of ``group`` installed on ``path`` (``sys.path``)."""
    seen: set[str] = set()
    for folder in sys.path if path is None else path:
        try:
            names = sorted(os.listdir(folder or "."))
        except OSError:  # a missing folder, a zip file
            continue
        for name in names:
            if not name.endswith(_METADATA_SUFFIXES):
                continue
            distribution = _SEPARATORS.sub("_", name.rpartition(".")[0].partition("-")[0]).lower()
            if distribution in seen:
                continue
            seen.add(distribution)
            metadata = os.path.join(folder or ".", name)
            try:
                with open(os.path.join(metadata, "entry_points.txt"), encoding="utf-8") as file:
                    text = file.read()
            except OSError:  # none, or an egg-info that is a file
                continue
            for entry, value in _section(text, group):
                yield Found(entry, value, Path(metadata))


def _section(text: str, group: str) -> Iterator[tuple[str, str]]:
    """``(name, value)`` of each ``name = value`` line under ``[group]``."""
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            inside = line[1:-1].strip() == group
        elif inside and "=" in line:
            name, _, value = line.partition("=")
            yield name.strip(), value.strip()


def distribution_of(metadata: Path) -> tuple[str, str]:
    """Name and version of the distribution whose metadata folder this is."""
    from importlib.metadata import PathDistribution

    distribution = PathDistribution(metadata)
    return distribution.metadata["Name"] or metadata.name, distribution.version or "?"
