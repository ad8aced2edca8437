"""A Killercoda scenario (``index.json`` beside its Markdown files) read as a workshop.

``index.json`` gives the title and ``details.intro``, ``details.steps[]``, ``details.finish``,
each with ``text`` (the page), and optionally ``title``, ``background``, ``foreground`` and
``verify`` scripts. The pages are those files, in that order; nothing else in the folder
is a page. A page's id is its file's path without ``.md``, so images written relative to
the page (``./image.png``, ``../assets/logo.png``) are found as on Killercoda.
The scripts named are kept in ``Page.meta`` (``background``, ``foreground``, ``verify``),
each checked to be a file inside the scenario.
"""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path
from typing import Any

from ..files import safe_file
from ..problems import ERROR, WARNING, Problem
from ..workshop import Page, Workshop, title_from_name

INDEX = "index.json"
DIALECT = "killercoda"
SCRIPTS = ("background", "foreground", "verify")


def is_scenario(root: Path) -> bool:
    """A folder with ``index.json`` and none of the homeroom / Educates content folders."""
    return (root / INDEX).is_file() and not any((root / sub / "content").is_dir() for sub in ("workshop", "raneto"))


class _Reader:
    """Collects the pages and the problems, each problem with its line in index.json."""

    def __init__(self, root: Path, text: str):
        self.root = root
        self.lines = text.split("\n")
        self.pages: dict[str, Page] = {}
        self.problems: list[Problem] = []

    def line_of(self, value: str, after: int = 0) -> int:
        quoted = json.dumps(value)
        return next((n for n, line in enumerate(self.lines, 1) if n > after and quoted in line), 0)

    def problem(self, line: int, level: str, message: str) -> None:
        self.problems.append(Problem(INDEX, line, level, message))

    def entry(self, where: str, entry: Any, title: str, step: str) -> None:
        if not isinstance(entry, dict):
            self.problem(0, ERROR, f"{where} must be an object with a \"text\" file")
            return
        text = entry.get("text")
        if not isinstance(text, str) or not text:
            self.problem(0, ERROR, f"{where} has no \"text\" (the Markdown file of the page)")
            return
        line = self.line_of(text)
        relative = posixpath.normpath(text)
        path = safe_file(self.root, relative)
        if path is None:
            self.problem(line, ERROR, f"{where}.text {text!r} is not a file inside the scenario")
            return
        page_id = relative[:-3] if relative.endswith(".md") else relative
        if page_id in self.pages:
            self.problem(line, ERROR, f"{where}.text {text!r} is already the page {self.pages[page_id].title!r}")
            return
        meta: dict[str, Any] = {"step": step}
        for name in SCRIPTS:
            script = entry.get(name)
            if script is None:
                continue
            script_path = posixpath.normpath(str(script))
            if safe_file(self.root, script_path) is None:
                self.problem(self.line_of(str(script), line - 1 if line else 0), ERROR,
                             f"{where}.{name} {script!r}: missing script (no such file inside the scenario)")
                continue
            meta[name] = script_path
        self.pages[page_id] = Page(page_id, path, relative, str(entry.get("title") or title), meta=meta,
                                   dialect=DIALECT)


def _read_index(root: Path, problems: list[Problem]) -> tuple[str, dict[str, Any]]:
    try:
        text = (root / INDEX).read_text(encoding="utf-8")
    except OSError as error:
        problems.append(Problem(INDEX, 0, ERROR, f"cannot read: {error.strerror}"))
        return "", {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        problems.append(Problem(INDEX, error.lineno, ERROR, f"malformed JSON: {error.msg} (column {error.colno})"))
        return text, {}
    if not isinstance(data, dict):
        problems.append(Problem(INDEX, 1, ERROR, "expected an object at the top level"))
        return text, {}
    return text, data


def load_scenario(root: Path) -> Workshop:
    """The scenario at ``root`` as a workshop (layout ``killercoda``); problems never raise."""
    problems: list[Problem] = []
    text, data = _read_index(root, problems)
    title = str(data.get("title") or title_from_name(root.resolve().name) or "Scenario")
    reader = _Reader(root, text)
    details = data.get("details") or {}
    if not isinstance(details, dict):
        reader.problem(reader.line_of("details"), ERROR, "details must be an object")
        details = {}
    if details.get("intro") is not None:
        reader.entry("details.intro", details["intro"], title, "intro")
    steps = details.get("steps") or []
    if not isinstance(steps, list):
        reader.problem(reader.line_of("steps"), ERROR, "details.steps must be a list")
        steps = []
    for number, step in enumerate(steps, 1):
        reader.entry(f"details.steps[{number - 1}]", step, f"Step {number}", f"step{number}")
    if details.get("finish") is not None:
        reader.entry("details.finish", details["finish"], "Finish", "finish")
    if details.get("assets"):
        reader.problem(reader.line_of("assets"), WARNING, "details.assets are not copied anywhere: labdeck runs "
                       "where the attendee's files are; copy them in a background script")
    if data and not reader.pages:
        reader.problem(0, ERROR, "no pages: details names no intro, steps or finish with a \"text\" file")
    workshop = Workshop(root=root, base=root, content=root, layout="killercoda", title=title, pages=reader.pages,
                        sequence=list(reader.pages), problems=problems + reader.problems)
    for position, page_id in enumerate(workshop.sequence):
        page = workshop.pages[page_id]
        page.index = position
        page.prev = workshop.sequence[position - 1] if position else None
        page.next = workshop.sequence[position + 1] if position + 1 < len(workshop.sequence) else None
    return workshop


_FENCE_CLOSE_MARKER = re.compile(r"^\s*(?:`{3,}|~{3,})\s*\{\{([^{}\n]*)\}\}\s*$")
_INLINE_MARKER = re.compile(r"`\{\{([^{}\n]*)\}\}")


def marker_problems(page: Page, text: str) -> list[Problem]:
    """Markers Killercoda does not know (``{{run}}``), each with its line: they render as plain code."""
    from ..killercoda_markers import parse_marker

    problems: list[Problem] = []
    for number, line in enumerate(text.split("\n"), 1):
        found = _FENCE_CLOSE_MARKER.findall(line) + _INLINE_MARKER.findall(line)
        for marker in found:
            if parse_marker(marker) is None:
                problems.append(Problem(page.file, number, WARNING, f"unknown code marker {{{{{marker}}}}} "
                                        "(known: {{exec}}, {{exec interrupt}}, {{copy}}, {{}}); shown as plain code"))
    return problems
