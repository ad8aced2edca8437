"""Educates' page syntax, turned into what the notes renderer already knows, before rendering.

* data variables: Hugo's ``{{< param name >}}``, the classic ``{{ name }}`` and ``%name%``
  become ``%name%`` (escaped for where they land by escaping.py), Educates' names mapped to
  labdeck's (formats/educates.py ``ALIASES``); ``{{ word }}`` that is no variable stays as written
  (Go templates in commands, ``{{range .items}}``);
* ``{{< note >}}``/``warning``/``danger`` … ``{{< /note >}}`` become admonition boxes;
* ``{{< copy >}}`` / ``{{copy}}`` after inline code makes that code click-to-copy;
* ``{{</* x */>}}`` is Hugo's escape: it shows ``{{< x >}}``;
* any other shortcode is dropped from the page (``labdeck notes check`` names it).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from html import escape

from .formats.educates import ALIASES

ADMONITIONS = ("note", "warning", "danger")
#: shortcodes whose tags are dropped and whose inner content is shown (pathways are not supported)
TRANSPARENT = ("pathway",)

_INLINE_COPY = re.compile(r"(?P<ticks>`+)(?P<code>[^`]+?)(?P=ticks)\{\{(?:<\s*copy\s*>|\s*copy\s*)\}\}")
_SHORTCODE = re.compile(
    r"\{\{<\s*/\*(?P<escaped>.*?)\*/\s*>\}\}"
    r"|\{\{(?P<open>[<%])\s*(?P<close>/?)\s*(?P<name>[\w-]+)(?P<params>[^\n]*?)\s*[>%]\}\}"
    r"|\{\{\s*(?P<classic>[A-Za-z_]\w*)\s*\}\}"
    r"|%(?P<percent>[A-Za-z_]\w*)%"
)


def variable(name: str) -> str:
    """The labdeck variable an Educates data variable reads."""
    return ALIASES.get(name, name)


def _param(params: str) -> str:
    return params.strip().strip("\"'")


def translate(text: str, names: Collection[str]) -> str:
    """``text`` (a page body) with Educates' shortcodes and variables rewritten; ``names`` are
    the variables that have a value (other ``{{ word }}`` stay as written)."""

    def copy(match: re.Match[str]) -> str:
        code = match.group("code")
        return (f'<span class="ld-code ld-copy ld-inline-copy" data-action="workshop:copy" role="button" '
                f'tabindex="0" title="Copy"><code>{escape(code, quote=False)}</code>'
                '<span class="ld-code-feedback" role="status" aria-live="polite"></span></span>')

    def replace(match: re.Match[str]) -> str:
        if match.group("escaped") is not None:
            return "{{<" + match.group("escaped") + ">}}"
        if match.group("classic"):
            name = match.group("classic")
            return f"%{variable(name)}%" if variable(name) in names or name in names else match.group(0)
        if match.group("percent"):
            return f"%{variable(match.group('percent'))}%"
        name = match.group("name")
        if name == "param":
            return f"%{variable(_param(match.group('params')))}%"
        if name in ADMONITIONS:
            if match.group("close"):
                return "\n\n</div>\n\n"
            return f'\n\n<div class="ld-admonition ld-{name}" markdown="1">\n\n'
        return ""  # pathway tags, and unknown shortcodes (reported by check)

    return _SHORTCODE.sub(replace, _INLINE_COPY.sub(copy, text))


def shortcodes(text: str) -> Iterator[tuple[int, str, str]]:
    """(1-based line, shortcode name, its parameters) for every shortcode in ``text``
    (escaped ones excluded), for the checker."""
    for match in _SHORTCODE.finditer(text):
        if match.group("name"):
            yield text.count("\n", 0, match.start()) + 1, match.group("name"), _param(match.group("params"))


def known_shortcode(name: str) -> bool:
    return name in ("param", "copy", *ADMONITIONS, *TRANSPARENT)
