"""Liquid templates over a page's source, for workshops that ask for them (``template_engine: liquid.js``).

The original renderer ran LiquidJS over the page before marked or Asciidoctor; this is
python-liquid, run before either engine, with the same variables as ``%name%``. As in
LiquidJS, an unknown variable renders empty. Two things differ, both on purpose:

* every ``{{ … }}`` output goes through a filter that turns its result into a
  placeholder of the page's ``Substitution`` (escaping.py), so a value is escaped for the
  place it lands in exactly as a ``%name%`` value is (variables the author declared as
  HTML are pasted as written);
* shell templates survive: in a code block, or on a line outside one, that holds a
  ``{{ … }}`` which is not Liquid (``{{.spec.host}}``, ``{{range .items}}``), every
  ``{{ … }}`` but the workshop's own variables is kept as written (``{{end}}`` too).
  LiquidJS emptied them or failed the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from liquid import Environment

from .frontmatter import ContentError

ENGINE = "liquid.js"
_MARK = "labdeck_value"
_OUTPUT = re.compile(r"\{\{(-?)(.*?)(-?)\}\}", re.DOTALL)
_RAW = re.compile(r"\{%-?\s*(raw|comment)\s*-?%\}.*?\{%-?\s*end\1\s*-?%\}", re.DOTALL)
_NAME = r"[A-Za-z_][\w-]*"
#: what Liquid takes for an output expression: a variable path, a string or a number, then filters
_LIQUID = re.compile(
    rf"""\s*(?:{_NAME}(?:\.{_NAME}|\[[^\]\n]+\])*|'[^'\n]*'|"[^"\n]*"|-?\d+(?:\.\d+)?)\s*(?:\|.*)?""", re.DOTALL)
_BARE = re.compile(rf"\s*({_NAME})\s*")
#: a Markdown fence or an AsciiDoc listing / literal block delimiter
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})|^(-{4,}|\.{4,})\s*$")


_MARKER: ContextVar[Callable[[str], str] | None] = ContextVar("labdeck_liquid_mark", default=None)


def _mark(value: object) -> str:
    mark = _MARKER.get()
    text = "" if value is None else str(value)
    return mark(text) if mark is not None and text else text


@lru_cache(maxsize=1)
def _environment() -> Environment:
    from liquid import Environment  # python-liquid (with Babel) is ~0.2 s to import: the first Liquid page pays it

    environment = Environment()
    environment.filters[_MARK] = _mark
    return environment


def _units(text: str) -> list[str]:
    """Code blocks whole, every other line on its own (line ends kept)."""
    lines = text.splitlines(keepends=True)
    units: list[str] = []
    index = 0
    while index < len(lines):
        opened = _FENCE.match(lines[index])
        end = index + 1
        if opened:
            marker = (opened.group(1) or opened.group(2))
            while end < len(lines):
                stripped = lines[end].strip()
                end += 1
                if stripped and set(stripped) == {marker[0]} and len(stripped) >= len(marker):
                    break
        units.append("".join(lines[index:end]))
        index = end
    return units


def _prepare(unit: str, names: Collection[str], html_names: Collection[str]) -> str:
    shell = any(not _LIQUID.fullmatch(m.group(2)) for m in _OUTPUT.finditer(unit))

    def output(match: re.Match[str]) -> str:
        left, expression, right = match.groups()
        bare = _BARE.fullmatch(expression)
        known = bare is not None and bare.group(1) in names
        if shell and not known:
            return "{% raw %}" + match.group(0) + "{% endraw %}"
        if known and bare.group(1) in html_names:
            return match.group(0)
        return "{{" + left + expression + f" | {_MARK} " + right + "}}"

    return _OUTPUT.sub(output, unit)


def prepare(text: str, names: Collection[str], html_names: Collection[str] = ()) -> str:
    """The template python-liquid parses: shell templates kept, every output marked."""
    out: list[str] = []
    position = 0
    for raw in _RAW.finditer(text):
        out += [_prepare(u, names, html_names) for u in _units(text[position:raw.start()])]
        out.append(raw.group(0))
        position = raw.end()
    out += [_prepare(u, names, html_names) for u in _units(text[position:])]
    return "".join(out)


def render_liquid(text: str, values: Mapping[str, str], mark: Callable[[str], str],
                  html_names: Collection[str] = (), file: str = "", first_line: int = 1) -> str:
    """``text`` with its Liquid rendered; each output becomes ``mark(its text)``.

    A template Liquid cannot parse or render raises ``ContentError`` at its line in ``file``."""
    from liquid.exceptions import LiquidError

    template_text = prepare(text, values.keys(), html_names)
    token = _MARKER.set(mark)
    try:
        return _environment().from_string(template_text).render(**values)
    except LiquidError as error:
        where = getattr(error, "token", None)
        line = None
        if where is not None and isinstance(getattr(where, "start_index", None), int):
            # prepare() adds no line breaks: a line of the template is that line of the page
            line = template_text[:where.start_index].count("\n") + first_line
        raise ContentError(f"Liquid template: {getattr(error, 'message', None) or error}", file, line) from None
    finally:
        _MARKER.reset(token)
