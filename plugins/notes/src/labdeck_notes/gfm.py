"""Python-Markdown extension: read the GitHub-flavoured cases as marked (the original renderer) did.

Workshop pages were written against marked 0.6.3 with ``gfm: true``. Where Python-Markdown
reads the same source differently, and the difference breaks a step, the source is
rewritten before the block parser sees it (line by line, code fences left alone):

* a list directly after a paragraph line is a list (a blank line is put in between);
* a list nested by two spaces (or by any indent deeper than its parent's marker) nests
  (its lines are re-indented to Python-Markdown's four-space steps);
* a code fence closes at a line of at least as many backticks (tildes) as opened it,
  as in CommonMark and marked, so one execute block never swallows the prose after it;

and in text, a ``<…>`` that is not an HTML tag to marked (``<ctrl+c>``), or that names a
key (``<ctrl-c>``), shows as written instead of vanishing as an unknown element.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown import Extension, Markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.util import AtomicString

_FENCE = re.compile(r"^( *)(`{3,}|~{3,})(.*)$")
# marked 0.6.3's bullets: *, +, - or digits and a dot, then a space (or the end of the line)
_ITEM = re.compile(r"^( *)([*+-]|\d{1,9}\.)( +|$)")
_RULE = re.compile(r"^ {0,3}([*_-])( *\1){2,} *$")
#: the structure a line opens that is no paragraph text: headings, HTML, tables, quotes, rules
_NOT_TEXT = re.compile(r"^ {0,3}(#|<|\||>|=+ *$|-+ *$)")
STEP = 4  #: Python-Markdown's indent for content nested in a list item


@dataclass
class _Item:
    marker: int  #: column of the bullet in the source
    content: int  #: column of the item's text in the source
    new_content: int  #: column its nested blocks get in the rewritten source


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _shift(line: str, delta: int) -> str:
    if delta >= 0:
        return " " * delta + line
    return line[min(-delta, _indent(line)):]


def rewrite(lines: list[str]) -> list[str]:
    """The source lines, rewritten so Python-Markdown reads them as marked did."""
    out: list[str] = []
    items: list[_Item] = []
    fence: tuple[str, int, int, int] | None = None  # (char, length, how far its lines move, its indent)
    previous = ""  # the last non-blank line, as written
    blank = True  # was the line before this one blank (or the start)?
    for line in lines:
        if fence is not None:
            char, length, delta, indent = fence
            stripped = line.strip()
            if len(stripped) >= length and set(stripped) == {char}:
                out.append(" " * indent + char * length)  # marked closes here; so does Python-Markdown now
                fence, previous, blank = None, line, False
            else:
                out.append(_shift(line, delta))
            continue
        if not line.strip():
            out.append(line)
            blank = True
            continue
        column = _indent(line)
        item = _ITEM.match(line)
        if _RULE.match(line):
            item = None
        delta = 0
        if items and column == 0 and not item:
            if blank:  # an unindented paragraph after a blank line ends the list
                items.clear()
            # else a lazy continuation of the item's paragraph: as written
        elif item:
            in_list = bool(items)
            while items and column <= items[-1].marker:
                items.pop()
            if not in_list and not blank and _is_text(previous):
                out.append("")  # a list may follow a paragraph line directly
            new_marker = items[-1].new_content if items else column
            width = len(item.group(0)) if item.group(3) else len(item.group(0)) + 1
            items.append(_Item(column, column + width, new_marker + STEP))
            delta = new_marker - column
        elif items:
            if blank:
                while items and column <= items[-1].marker:
                    items.pop()
            if items:
                owner = next((i for i in reversed(items) if column > i.marker), items[0])
                delta = owner.new_content + max(0, column - owner.content) - column
        opened = _FENCE.match(line)
        if opened and (items or column < 4) and not ("`" in opened.group(3) and opened.group(2)[0] == "`"):
            fence = (opened.group(2)[0], len(opened.group(2)), delta, column + delta)
        out.append(_shift(line, delta))
        previous, blank = line, False
    return out


def _is_text(line: str) -> bool:
    """Could ``line`` be the last line of a paragraph (which a list may follow directly)?"""
    return bool(line.strip()) and _indent(line) < 4 and not _NOT_TEXT.match(line) and not _FENCE.match(line)


class _GfmPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return rewrite(lines)


# ``<`` + a name marked would take for a tag, then a character no tag has there (``<ctrl+c>``),
# or a key name (``<ctrl-c>``, which a browser would take for an empty custom element)
NOT_A_TAG = r"<(?:[A-Za-z][\w:-]*[^\w:\s/>\-][^<>\n]*|(?i:ctrl|alt|shift|cmd|meta)[-+][^<>\s]+)>"


class _TextProcessor(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[str, int, int]:
        return AtomicString(m.group(0)), m.start(0), m.end(0)


class GfmExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # after whitespace normalising (30: tabs expanded), before fences (25) and HTML blocks (20)
        md.preprocessors.register(_GfmPreprocessor(md), "labdeck_gfm", 27)
        # before raw inline HTML (90), after autolinks (120) and mail links (110)
        md.inlinePatterns.register(_TextProcessor(NOT_A_TAG, md), "labdeck_not_a_tag", 95)

