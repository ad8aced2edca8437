"""Gating: a page whose checks must pass before a later page opens (check_blocks.gated says which).

The page shows its next buttons disabled until its checks pass (static/checks.js); the server
refuses a later page until the progress store has every check of the gated page passed, and
sends the attendee back to it with a message (``?locked=<page id>``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .check_blocks import gated, page_checks
from .workshop import Page, Workshop


@dataclass
class PageChecks:
    names: list[str] = field(default_factory=list)  #: the page's checks
    passed: list[str] = field(default_factory=list)  #: those the attendee passed
    gated: bool = False  #: must they pass before the next page opens?

    @property
    def open(self) -> bool:
        return not self.gated or all(name in self.passed for name in self.names)


def page_gate(store: Any, user: str, workshop: Workshop, page: Page,
              whole_workshop: bool) -> tuple[PageChecks, Page | None]:
    """``page``'s checks (which passed, whether they gate it) and the gated page before it whose
    checks have not all passed (None: the page may open). ``store``: the ProgressStore or None;
    without a usable one nothing is locked server-side. Reads page files: call it off the loop."""
    names = page_checks(page)
    earlier = [workshop.pages[i] for i in workshop.sequence[:page.index or 0]]
    earlier = [p for p in earlier if gated(p, whole_workshop)]
    if not names and not earlier:  # most pages: no checks here, no gate before (no store read)
        return PageChecks(), None
    usable = store is not None and store.problem is None
    results = store.snapshot(user).get("pages", {}) if usable else {}

    def state(of: Page, checks: list[str]) -> PageChecks:
        done = results.get(of.id, {}).get("checks", {})
        return PageChecks(checks, [n for n in checks if done.get(n, {}).get("state") == "passed"],
                          bool(checks) and gated(of, whole_workshop))

    locked = next((p for p in earlier if not state(p, page_checks(p)).open), None) if usable else None
    return state(page, names), locked
