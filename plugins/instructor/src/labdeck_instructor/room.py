"""From the hub's user list and each attendee's progress to the board's rows (pure functions).

A row: ``name``, ``page`` (id), ``index`` (1-based, None off the sequence), ``pages`` (n),
``title``, ``checks`` (passed, whole workshop), ``seconds`` on the current page, ``median``
(the room's median time on that page, over everyone who has opened it), ``last_activity``
(the hub's, ISO 8601), ``stuck`` and ``why`` (docs/instructor.md, "Who is stuck"), ``problem``,
``hand`` (a raised hand: ``page``, ``title``, ``message``, ``at``, ``recent`` block results, or None).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

PASSED = frozenset({"passed", "pass", "ok", "success"})
FAILED = frozenset({"failed", "fail", "error"})


@dataclass(frozen=True)
class StuckRule:
    """Stuck: on the page ``factor`` times the room's median and at least ``min_seconds``, or a
    check of the current page failing with at least ``min_seconds`` spent there."""

    factor: float = 2.0
    min_seconds: float = 300.0
    min_peers: int = 2  #: the median counts only when this many others have opened the page


def passed_checks(progress: dict[str, Any]) -> int:
    return sum(1 for page in progress.get("pages", {}).values()
               for check in page.get("checks", {}).values() if check.get("state") in PASSED)


def page_medians(progresses: dict[str, dict[str, Any]]) -> dict[str, tuple[float, int]]:
    """page id -> (median seconds, how many attendees opened it)."""
    times: dict[str, list[float]] = {}
    for progress in progresses.values():
        for page, entry in progress.get("pages", {}).items():
            if entry.get("visited") is not None:
                times.setdefault(page, []).append(float(entry.get("seconds") or 0))
    return {page: (statistics.median(values), len(values)) for page, values in times.items()}


def stuck(seconds: float, median: tuple[float, int] | None, failing: int, rule: StuckRule) -> str | None:
    """Why this attendee looks stuck, or None."""
    if seconds < rule.min_seconds:
        return None
    if failing:
        return f"{failing} failing check{'s' if failing > 1 else ''} on this page"
    if median is not None and median[1] > rule.min_peers and seconds > rule.factor * median[0]:
        return f"{seconds / max(median[0], 1):.1f}x the room's median on this page"
    return None


def rows(servers: dict[str, dict[str, Any]], progresses: dict[str, dict[str, Any]],
         rule: StuckRule) -> list[dict[str, Any]]:
    """One row per running server (``servers``: name -> the hub's server model)."""
    medians = page_medians(progresses)
    result = []
    for name in sorted(servers):
        progress = progresses.get(name) or {}
        sequence = [step.get("id") for step in progress.get("sequence") or []]
        titles = {step.get("id"): step.get("title") for step in progress.get("sequence") or []}
        page = progress.get("current")
        entry = progress.get("pages", {}).get(page) or {}
        seconds = float(entry.get("seconds") or 0)
        failing = sum(1 for check in (entry.get("checks") or {}).values() if check.get("state") in FAILED)
        why = stuck(seconds, medians.get(page), failing, rule) if page else None
        result.append({
            "name": name, "page": page, "index": sequence.index(page) + 1 if page in sequence else None,
            "pages": len(sequence), "title": titles.get(page) or page, "checks": passed_checks(progress),
            "seconds": seconds, "median": medians[page][0] if page in medians else None,
            "last_activity": servers[name].get("last_activity"), "stuck": why is not None, "why": why,
            "problem": progress.get("problem") if progress else "no progress yet",
            "hand": hand(progress.get("hand"), titles),
        })
    return result


def hand(raised: Any, titles: dict[str, Any]) -> dict[str, Any] | None:
    """A raised hand as the board shows it (the page's title added), or None."""
    if not isinstance(raised, dict):
        return None
    return {"page": raised.get("page"), "title": titles.get(raised.get("page")) or raised.get("page"),
            "message": raised.get("message") or "", "at": raised.get("at"),
            "recent": [item for item in raised.get("recent") or [] if isinstance(item, dict)]}
