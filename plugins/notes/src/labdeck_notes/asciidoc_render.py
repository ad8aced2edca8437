"""AsciiDoc -> HTML with Asciidoctor (Asciidoctor.js in node, asciidoctor_client.py).

Asciidoctor reads the page as its author saw it in the original workshop images:
sections from ``=``, ``#`` or ``##`` titles, admonitions, callouts, tables, attributes,
``include::`` relative to the including file and confined to the workshop folder.

Code blocks come back from node unconverted, with their verbatim text: blocks with a
workshop role (``[source,bash,role=execute]``, ``[.copy]`` …) get the clickable markup
Markdown pages get (codeblocks.py), other source blocks Pygments. So a block keeps
``${VAR}``, ``{{name}}``, backticks and URLs exactly as written. Variables (``%name%``)
reach node as placeholders, also as soft-set attributes (``{username}``, which a page's
own ``:username:`` overrides), and are filled in, escaped, afterwards (escaping.py);
code blocks get their values as written.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .asciidoctor_client import ASCIIDOCTOR, AsciidoctorUnavailable
from .codeblocks import ANNOTATIONS, code_block_html
from .escaping import literal_code
from .frontmatter import ContentError

_FORMATTER = HtmlFormatter(cssclass="highlight")
#: roles that name a workshop annotation under another name (``copypaste``: the original's
#: click-to-copy role) fall back to this one when codeblocks.py does not know them itself
ROLE_FALLBACKS = {"copypaste": "copy"}
_SEVERITIES = ("FATAL", "ERROR", "WARN")
#: Asciidoctor warnings worth a red box: a block left open swallows the rest of the page.
#: Others ("section title out of sequence" …) are common in pages that rendered well in the
#: original, which showed none of them, and are not shown either.
_SHOWN_WARNINGS = ("unterminated",)


def block_roles(attribute_list: str) -> tuple[bool, str | None, list[str]]:
    """``source,bash,role=execute`` -> (is a block, language, roles); used by ``notes check``."""
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


def annotation_of(roles: list[str]) -> str | None:
    """The first role that is a workshop annotation (``execute-2``, ``copy`` …), if any."""
    for role in roles:
        if role in ANNOTATIONS:
            return role
        if ROLE_FALLBACKS.get(role) in ANNOTATIONS:
            return ROLE_FALLBACKS[role]
    return None


def _conums(numbers: list[str]) -> str:
    return "".join(f' <b class="conum">({escape(n)})</b>' for n in numbers)


def _code_html(code: str, language: str | None, callouts: Mapping[str, list[str]]) -> str:
    """A non-clickable block: Pygments for a known language, else escaped text; callouts added."""
    lexer = None
    if language:
        try:
            lexer = get_lexer_by_name(language)
        except ClassNotFound:
            pass
    if lexer is not None:
        out = highlight(code + "\n", lexer, _FORMATTER)
        head, _, rest = out.partition("<pre>")
        body, _, tail = rest.rpartition("</pre>")
        lines = body.split("\n")
        for index, numbers in callouts.items():
            if int(index) < len(lines):
                lines[int(index)] += _conums(numbers)
        return f"{head}<pre>{chr(10).join(lines)}</pre>{tail}"
    lines = escape(code, quote=False).split("\n")
    for index, numbers in callouts.items():
        if int(index) < len(lines):
            lines[int(index)] += _conums(numbers)
    return '<pre class="highlight"><code>' + "\n".join(lines) + "</code></pre>"


def block_html(block: Mapping[str, Any]) -> str:
    """The HTML for one code block that node handed back (see asciidoctor_worker.mjs)."""
    code = literal_code(block["text"])
    title = f'<div class="title">{block["title"]}</div>\n' if block.get("title") else ""
    ident = f' id="{escape(block["id"])}"' if block.get("id") else ""
    annotation = annotation_of(block["roles"])
    if annotation is not None:
        html = code_block_html(annotation, code)
        return f"<div{ident}>{title}{html}</div>" if ident else title + html
    kind = "listingblock" if block["context"] == "listing" else "literalblock"
    classes = " ".join([kind, *(escape(role) for role in block["roles"])])
    return (f'<div{ident} class="{classes}">\n{title}<div class="content">\n'
            f"{_code_html(code, block.get('language'), block.get('callouts') or {})}\n</div>\n</div>")


def _problem(messages: list[dict[str, Any]], file: str, first_line: int) -> ContentError | None:
    for severity in _SEVERITIES:  # the worst first
        for message in messages:
            text = str(message.get("text", ""))
            if severity == "WARN" and not any(word in text for word in _SHOWN_WARNINGS):
                continue
            if str(message.get("severity", "")).upper().startswith(severity):
                line = message.get("line")
                return ContentError(text, file,
                                    line + first_line - 1 if isinstance(line, int) else None)
    return None


def render_asciidoc(text: str, file: str = "", attributes: Mapping[str, str] | None = None,
                    first_line: int = 1, path: Path | None = None) -> tuple[str, ContentError | None]:
    """(HTML body, the page's first problem or None): Asciidoctor's errors and warnings name
    the file's line, and the page is still shown below them.

    ``attributes``: each variable's placeholder (or value, for declared-HTML ones), which
    also replaces ``%name%`` in included files.

    ``path``: the page's file, where ``include::`` starts; includes may not leave the
    workshop folder (``path`` without ``file``, the page's name relative to it).
    Raises ``ContentError`` when AsciiDoc cannot be rendered at all (no node)."""
    page_dir, root = _folders(path, file)
    marker = "ldblock" + secrets.token_hex(8)
    request = {
        "source": text, "file": file, "marker": marker, "dir": str(page_dir), "root": str(root),
        # soft-set (``@``): the page's own ``:name:`` wins
        "attributes": {name: f"{value}@" for name, value in (attributes or {}).items()},
        "variables": dict(attributes or {}),  # for ``%name%`` in included files
    }
    try:
        reply = ASCIIDOCTOR.render(request)
    except AsciidoctorUnavailable as error:
        raise ContentError(str(error), file) from None
    if "error" in reply:
        raise ContentError(f"Asciidoctor could not render this page: {reply['error']}", file)
    blocks = reply["blocks"]
    html = re.sub(f"<!--{marker}:(\\d+)-->", lambda m: block_html(blocks[int(m.group(1))]), reply["html"])
    return html, _problem(reply["messages"], file, first_line)


def _folders(path: Path | None, file: str) -> tuple[Path, Path]:
    """(the page's folder, the workshop folder)."""
    if path is None:
        return Path.cwd(), Path.cwd()
    path = path.resolve()
    parts = Path(file).parts
    if not parts or Path(file).is_absolute() or path.parts[-len(parts):] != parts:
        return path.parent, path.parent
    return path.parent, path.parents[len(parts) - 1]
