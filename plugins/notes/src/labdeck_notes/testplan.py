"""What ``labdeck notes test`` does on a page: its terminal blocks in order, then its checks.

Read from the page source as the renderer reads it (sourceblocks.py), so each step keeps its
file and line: ``execute``/``execute-N``/``execute-all`` code blocks and AsciiDoc roles
(``<ctrl-c>`` in one is an interrupt), Educates ``terminal:execute``/``-all``,
``terminal:interrupt``/``-all``, ``terminal:input`` and ``examiner:execute-test`` blocks, and
on a Killercoda page ```` ```{{exec}} ````, ``{{exec interrupt}}`` and inline `` `ls`{{exec}} ``,
plus the step's ``verify`` script.

A block marked ``<!-- labdeck-test: manual -->`` (AsciiDoc: ``// labdeck-test: manual``) on
the nearest non-blank line above it is reported as skipped and never run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import actions
from .codeblocks import ANNOTATIONS, INTERRUPTS
from .escaping import VARIABLE
from .frontmatter import split_front_matter
from .killercoda_markers import CLOSE_FENCE, INLINE, parse_marker
from .sourceblocks import adoc_blocks, markdown_blocks
from .workshop import Page

MANUAL = re.compile(r"^\s*(?:<!--\s*labdeck-test:\s*manual\s*-->|//\s*labdeck-test:\s*manual)\s*$")
ALL = "*"  #: the session of an ``execute-all`` / ``interrupt-all`` step


@dataclass(frozen=True)
class Step:
    kind: str  #: "execute", "interrupt", "input" or "check"
    line: int
    session: str = "1"
    text: str = ""  #: the command, or the input
    endl: bool = True  #: input: Enter after the text
    interrupt_first: bool = False  #: Killercoda ``{{exec interrupt}}``
    manual: bool = False
    check: dict[str, Any] = field(default_factory=dict)  #: an examiner block's fields

    @property
    def label(self) -> str:
        first = self.text.strip().split("\n")[0] if self.text.strip() else self.check.get("name", self.kind)
        return first if len(first) <= 60 else first[:59] + "\u2026"


def _fill(text: str, values: dict[str, str]) -> str:
    return VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _manual(lines: list[tuple[int, str]], index: int) -> bool:
    for _number, line in reversed(lines[:index]):
        if line.strip():
            return bool(MANUAL.match(line))
    return False


def _annotated(annotation: str, text: str, line: int, manual: bool, marker_interrupt: bool = False) -> Step:
    spec = ANNOTATIONS[annotation]
    session = ALL if spec.session is None else spec.session
    if text.strip().lower() in INTERRUPTS:
        return Step("interrupt", line, session, manual=manual)
    return Step("execute", line, session, text.rstrip("\n"), interrupt_first=marker_interrupt, manual=manual)


def _action(word: str, body: str, line: int, manual: bool, values: dict[str, str]) -> Step | None:
    try:
        data = actions.parse(word, body, lambda text: _fill(text, values))
    except actions.ActionError:
        return None  # `labdeck notes check` reports it
    session = str(data.get("session", "1"))
    if word in ("terminal:execute", "terminal:execute-all"):
        return Step("execute", line, ALL if word.endswith("-all") else session, str(data.get("command") or ""),
                    manual=manual)
    if word in ("terminal:interrupt", "terminal:interrupt-all"):
        return Step("interrupt", line, ALL if word.endswith("-all") else session, manual=manual)
    if word == "terminal:input":
        return Step("input", line, session, str(data.get("text") or ""), endl=data.get("endl", True) is not False,
                    manual=manual)
    if word == "examiner:execute-test":
        return Step("check", line, check=data, manual=manual)
    return None


def _markdown_steps(page: Page, lines: list[tuple[int, str]], values: dict[str, str]) -> list[Step]:
    killercoda = page.dialect == "killercoda"
    by_number = {number: index for index, (number, _line) in enumerate(lines)}
    found: list[Step] = []
    code_lines: set[int] = set()
    for block in markdown_blocks(lines):
        code_lines.update(range(block.line, block.end + 1))
        if not block.closed:
            continue
        manual = _manual(lines, by_number[block.line])
        marker = CLOSE_FENCE.match(lines[by_number[block.end]][1]) if killercoda else None
        parsed = parse_marker(marker.group("marker")) if marker and marker.group("marker") is not None else None
        if parsed is not None and parsed.annotation in ANNOTATIONS and parsed.annotation.startswith("execute"):
            found.append(_annotated(parsed.annotation, _fill(block.text, values), block.line, manual,
                                    parsed.interrupt))
        elif block.annotation in ANNOTATIONS and block.annotation.startswith("execute"):
            found.append(_annotated(block.annotation, _fill(block.text, values), block.line, manual))
        elif block.annotation in actions.ACTIONS:
            step = _action(block.annotation, block.text, block.line, manual, values)
            if step is not None:
                found.append(step)
    if killercoda:
        for index, (number, line) in enumerate(lines):
            if number in code_lines:
                continue
            for match in re.finditer(INLINE, line):
                parsed = parse_marker(match.group("marker")) if match.group("marker") is not None else None
                if parsed is not None and parsed.annotation and parsed.annotation.startswith("execute"):
                    found.append(_annotated(parsed.annotation, _fill(match.group("code"), values), number,
                                            _manual(lines, index), parsed.interrupt))
    return sorted(found, key=lambda step: step.line)


def page_steps(page: Page, values: dict[str, str]) -> list[Step]:
    """The page's terminal steps in page order, then its checks (a Killercoda ``verify`` last)."""
    text = page.path.read_text(encoding="utf-8")
    source = split_front_matter(text)
    lines = [(source.body_line + offset, line) for offset, line in enumerate(source.body.split("\n"))]
    if page.format == "md":
        steps = _markdown_steps(page, lines, values)
    else:
        by_number = {number: index for index, (number, _line) in enumerate(lines)}
        steps = [_annotated(block.annotation, _fill(block.text, values), block.line,
                            _manual(lines, max(by_number.get(block.line, 0) - 1, 0)))
                 for block in adoc_blocks(lines, ANNOTATIONS)
                 if block.closed and block.annotation.startswith("execute")]
    terminal = [step for step in steps if step.kind != "check"]
    checks = [step for step in steps if step.kind == "check"]
    if page.meta.get("verify"):
        checks.append(Step("check", 0, check={"verify": page.meta["verify"]}))
    return terminal + checks
