"""What the benchmarks read from /proc: process trees, command lines, CPU seconds, memory."""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def read(path: str) -> str:
    """The file's text, or "" once the process is gone."""
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _stat(pid: int) -> list[str]:
    return read(f"/proc/{pid}/stat").rsplit(")", 1)[-1].split()


def children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def descendants(root: int) -> list[int]:
    """``root`` and every process under it."""
    tree, found, todo = children(), [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(tree.get(pid, []))
    return found


def cmdline(pid: int) -> str:
    return read(f"/proc/{pid}/cmdline").replace("\0", " ").strip()


def cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """User + system CPU of ``pid`` (``reaped``: and of its children it has waited for)."""
    fields = _stat(pid)
    if len(fields) < 15:
        return 0.0
    return sum(int(f) for f in fields[11:15 if reaped else 13]) / TICK


def memory_kib(pid: int) -> tuple[int, int]:
    """RSS and PSS of one process."""
    values = {}
    for line in read(f"/proc/{pid}/smaps_rollup").splitlines()[1:]:
        key, value = line.split(":", 1)
        values[key] = int(value.split()[0])
    return values.get("Rss", 0), values.get("Pss", 0)
