"""AsciiDoc -> HTML with asciidoc-py (the ``asciidoc`` package on PyPI, pure Python).

Source blocks are taken out before asciidoc-py sees them: ``[source,bash,role=execute]``
(and ``[role=copy]``, ``[.execute]``) become the same clickable blocks Markdown pages get,
other ``[source,LANG]`` blocks are highlighted with Pygments. This also keeps asciidoc-py
from running its ``source-highlight`` shell filter. The replacement keeps the line count,
so asciidoc-py's error lines still point at the author's file. Variables reach
asciidoc-py as placeholders (its ``{attribute}`` values are not escaped) and are filled
in, escaped, afterwards (escaping.py).
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Mapping
from html import escape

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .codeblocks import ANNOTATIONS, code_block_html
from .escaping import literal_code
from .frontmatter import ContentError

_ATTRIBUTES = re.compile(r"^\[([^\[\]]*)\]\s*$")
_DELIMITERS = ("----", "....")
_FORMATTER = HtmlFormatter(cssclass="highlight")
_LOCK = threading.Lock()


def block_roles(attribute_list: str) -> tuple[bool, str | None, list[str]]:
    """``source,bash,role=execute`` -> (is source, language, roles)."""
    items = [item.strip() for item in attribute_list.split(",")]
    roles: list[str] = []
    positional: list[str] = []
    for item in items:
        if item.startswith("role="):
            roles += item[5:].strip("\"'").split()
        elif "=" not in item:
            first, *shorthand = item.split(".")
            positional.append(first)
            roles += shorthand
    is_source = bool(positional) and positional[0] in ("source", "listing", "")
    language = positional[1] if len(positional) > 1 and positional[0] == "source" else None
    return is_source or bool(roles), language, roles


def _highlighted(code: str, language: str | None) -> str:
    if language:
        try:
            return highlight(code, get_lexer_by_name(language), _FORMATTER)
        except ClassNotFound:
            pass
    return f'<div class="highlight"><pre><code>{escape(code, quote=False)}</code></pre></div>'


def extract_blocks(text: str) -> str:
    """Replace source blocks by passthrough blocks of our HTML (same number of lines)."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = _ATTRIBUTES.match(lines[i])
        if match and i + 1 < len(lines) and lines[i + 1].strip() in _DELIMITERS:
            is_block, language, roles = block_roles(match.group(1))
            delimiter = lines[i + 1].strip()
            end = next((j for j in range(i + 2, len(lines)) if lines[j].strip() == delimiter), None)
            if is_block and end is not None:
                code = literal_code("\n".join(lines[i + 2:end]))
                annotation = next((r for r in roles if r in ANNOTATIONS), None)
                html = code_block_html(annotation, code) if annotation else _highlighted(code + "\n", language)
                out.append("++++")
                # one line, and braces as references: asciidoc-py would read {name} in a pass
                # block as an attribute and drop the line when it is undefined (``${HOME}``)
                out.append(html.rstrip("\n").replace("\n", "&#10;").replace("{", "&#123;").replace("}", "&#125;"))
                out += [""] * (end - i - 2)
                out.append("++++")
                i = end + 1
                continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


_MESSAGE_LINE = re.compile(r"line (\d+):\s*(.*)")


def render_asciidoc(text: str, file: str = "", attributes: Mapping[str, str] | None = None,
                    first_line: int = 1) -> str:
    """Render one page body; problems raise ``ContentError`` with the file's line."""
    from asciidoc import asciidoc  # imported late: it is slow to load

    options: list[tuple[str, object]] = [("--no-header-footer", None), ("--backend", "html5")]
    for name, value in {"icons": None, "source-highlighter": None, **(attributes or {})}.items():
        options.append(("--attribute", f"{name}!" if value is None else f"{name}={value}"))
    out = io.StringIO()
    options.append(("--out-file", out))
    # asciidoc-py keeps its state in module globals and swaps sys.stdin/stdout: one render at a time.
    with _LOCK:
        try:
            asciidoc.execute("asciidoc", options, [io.StringIO(extract_blocks(text))])
            failed = None
        except SystemExit:
            failed = "AsciiDoc could not render this page"
        messages = list(asciidoc.message.messages)
    errors = [m for m in messages if "ERROR" in m]
    if failed or errors:
        raise _content_error(errors or messages, file, first_line, failed or errors[0])
    return out.getvalue()


def _content_error(messages: list[str], file: str, first_line: int, fallback: str) -> ContentError:
    for message in messages:
        match = _MESSAGE_LINE.search(message)
        if match:
            line = int(match.group(1)) + first_line - 1
            if "missing closing delimiter" in message:  # asciidoc-py names the line before the opening one
                line += 1
            return ContentError(match.group(2), file, line)
    detail = messages[-1] if messages else fallback
    return ContentError(detail.split("ERROR: ", 1)[-1] or "AsciiDoc could not render this page", file)
