"""Killercoda's code markers in Markdown, as Python-Markdown extension ``labdeck_notes.killercoda_markers``.

Killercoda scenario pages mark code with a suffix after the closing fence or the inline code:

* ````` ```{{exec}} ````` / `` `ls`{{exec}} ``: run in the first terminal (``terminal:execute``);
* ``{{exec interrupt}}``: Ctrl-C first, then run (``data-interrupt`` on the element; killercoda.js
  posts ``terminal:interrupt`` before notes.js posts the execute);
* ``{{copy}}``: copy (``workshop:copy``); plain inline code copies too, as on Killercoda, and
  ``{{}}`` opts out;
* Katacoda's older ``{{execute}}`` and ``T2`` (terminal 2) are read as well.

Highlighted lines are written ````` ```yaml{2,5-6} `````, which this turns into superfences'
``hl_lines``. All of it applies only while ``active(True)`` is in effect (a Killercoda page):
other workshops' pages render as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from html import escape
from typing import Any

from markdown import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor

from .codeblocks import ANNOTATIONS, code_block_html
from .escaping import literal_code

_ACTIVE: ContextVar[bool] = ContextVar("labdeck_notes_killercoda", default=False)

OPEN_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*?)[ \t]*$")
CLOSE_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?:\{\{(?P<marker>[^{}]*)\}\})?[ \t]*$")
HIGHLIGHT = re.compile(r"^(?P<lang>[\w#.+-]*)\{(?P<lines>[\d\s,-]+)\}$")
INLINE = r"(?<![\\`])(?P<ticks>`+)(?P<code>.+?)(?<!`)(?P=ticks)(?!`)(?:\{\{(?P<marker>[^{}\n]*)\}\})?"
MARKER = re.compile(r"\{\{([^{}\n]*)\}\}")


@contextmanager
def active(on: bool) -> Iterator[None]:
    """Killercoda's markers for the Markdown rendered inside this block (on a Killercoda page)."""
    token = _ACTIVE.set(on)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


@dataclass(frozen=True)
class Marker:
    annotation: str | None  #: a name of codeblocks.ANNOTATIONS; None: plain code (``{{}}``)
    interrupt: bool = False


PLAIN = Marker(None)


def parse_marker(text: str) -> Marker | None:
    """``exec interrupt`` -> Marker("execute", True); ``""`` -> PLAIN; None for a marker Killercoda does not know."""
    words = text.split()
    if not words:
        return PLAIN
    verb, options = words[0], words[1:]
    if verb == "copy" and not options:
        return Marker("copy")
    if verb not in ("exec", "execute"):
        return None
    session, interrupt = "1", False
    for option in options:
        if option == "interrupt":
            interrupt = True
        elif re.fullmatch(r"T[123]", option):  # Katacoda's terminal number
            session = option[1]
        else:
            return None
    return Marker("execute" if session == "1" else f"execute-{session}", interrupt)


def _interruptible(markup: str, interrupt: bool) -> str:
    return markup.replace('class="ld-code ', 'data-interrupt="true" class="ld-code ', 1) if interrupt else markup


def block_html(marker: Marker, code: str) -> str:
    """A marked fenced block: the homeroom annotations' markup (codeblocks.py)."""
    assert marker.annotation is not None
    return _interruptible(code_block_html(marker.annotation, literal_code(code)), marker.interrupt)


def inline_html(marker: Marker, code: str) -> str:
    """Marked inline code: the same attributes as a block, as a ``<span>`` in the sentence."""
    code = escape(literal_code(code), quote=False)
    if marker.annotation is None:
        return f"<code>{code}</code>"
    annotation = ANNOTATIONS[marker.annotation]
    hint = annotation.label + (" (shift-click copies)" if annotation.action.startswith("terminal:") else "")
    session = f' data-session="{annotation.session}"' if annotation.session else ""
    return _interruptible(
        f'<span class="ld-code ld-code-inline {annotation.css}" data-action="{annotation.action}"{session} '
        f'role="button" tabindex="0" title="{escape(hint)}"><code>{code}</code>'
        '<span class="ld-code-feedback" role="status" aria-live="polite"></span></span>', marker.interrupt)


def highlight_info(info: str) -> str:
    """``yaml{2,5-6}`` -> ``yaml hl_lines="2 5-6"`` (superfences' own option)."""
    match = HIGHLIGHT.match(info.strip())
    if not match:
        return info
    numbers = " ".join(part for part in re.split(r"[\s,]+", match.group("lines")) if part)
    return f'{match.group("lang") or "text"} hl_lines="{numbers}"'


class FencePreprocessor(Preprocessor):
    """Marked fenced blocks become stashed HTML; unmarked ones get superfences' syntax for their
    highlighted lines. Runs after whitespace normalising and before superfences."""

    def run(self, lines: list[str]) -> list[str]:
        if not _ACTIVE.get():
            return lines
        out: list[str] = []
        index = 0
        while index < len(lines):
            opening = OPEN_FENCE.match(lines[index])
            end = self._closing(lines, index, opening) if opening else None
            if opening is None or end is None:
                out.append(lines[index])
                index += 1
                continue
            indent, fence = opening.group("indent"), opening.group("fence")
            body = [line[len(indent):] if line.startswith(indent) else line.lstrip() for line in lines[index + 1:end]]
            marker = parse_marker(CLOSE_FENCE.match(lines[end]).group("marker") or "")
            if marker is None or marker.annotation is None:  # plain (an unknown marker: labdeck notes check says so)
                out += [f"{indent}{fence}{highlight_info(opening.group('info'))}", *lines[index + 1:end],
                        f"{indent}{fence}"]
            else:
                out += ["", indent + self.md.htmlStash.store(block_html(marker, "\n".join(body))), ""]
            index = end + 1
        return out

    @staticmethod
    def _closing(lines: list[str], start: int, opening: re.Match[str]) -> int | None:
        fence = opening.group("fence")
        for number in range(start + 1, len(lines)):
            closing = CLOSE_FENCE.match(lines[number])
            if closing and closing.group("fence")[0] == fence[0] and len(closing.group("fence")) >= len(fence):
                return number
        return None


class InlineMarkerProcessor(InlineProcessor):
    """Inline code, marked or not, on a Killercoda page (before Python-Markdown's own backticks)."""

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Any, int, int]:
        if not _ACTIVE.get():
            return None, None, None
        marker = parse_marker(m.group("marker")) if m.group("marker") is not None else Marker("copy")
        if marker is None:
            marker = PLAIN
        code = m.group("code").strip() or m.group("code")
        return self.md.htmlStash.store(inline_html(marker, code)), m.start(0), m.end(0)


class KillercodaExtension(Extension):
    def extendMarkdown(self, md: Any) -> None:
        md.preprocessors.register(FencePreprocessor(md), "killercoda_fences", 29)
        md.inlinePatterns.register(InlineMarkerProcessor(INLINE, md), "killercoda_inline", 191)


def makeExtension(**kwargs: Any) -> KillercodaExtension:
    return KillercodaExtension(**kwargs)
