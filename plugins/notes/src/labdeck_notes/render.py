"""Page body HTML, cached per file version and per values of the variables the page uses.

``%name%`` works in text, code blocks and URLs; each value is escaped for the place it
lands in (escaping.py), unless the author declared the variable as HTML. A workshop with
``template_engine: liquid.js`` has its pages run through Liquid instead (liquid_render.py),
before the Markdown or AsciiDoc engine, its outputs escaped the same way.
The cache key holds the file's (mtime, size) and the values of the variables that page
mentions, so an edit or a changed value renders again and nothing else does.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from html import escape

from .escaping import Substitution, used_names
from .frontmatter import ContentError, split_front_matter
from .liquid_render import ENGINE as LIQUID
from .liquid_render import render_liquid
from .workshop import Page

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    html: str
    error: ContentError | None = None


def file_key(path: os.PathLike[str] | str) -> tuple[int, int]:
    try:
        stat = os.stat(path)
    except OSError:
        return (0, -1)
    return (stat.st_mtime_ns, stat.st_size)


def error_box(error: ContentError) -> str:
    where = f"{error.file}, line {error.line}" if error.line else error.file
    return (
        '<div class="ld-error" role="alert"><strong>This page has a problem</strong> '
        f'<span class="ld-error-where">{escape(where)}</span>'
        f"<pre>{escape(error.message)}</pre></div>\n"
    )


def liquid_values(values: dict[str, str], substitution: Substitution) -> Callable[[str], str]:
    """What a Liquid output becomes: a placeholder of its own, escaped for its place on ``finish``
    like a ``%name%`` value. Its name has a space, which no variable's can."""

    def mark(value: str) -> str:
        name = f"liquid output {len(values)}"
        values[name] = value
        return substitution.placeholder(name)

    return mark


def render_page(page: Page, values: Mapping[str, str], html_names: Collection[str] = ()) -> Rendered:
    """Render ``page`` now (no cache); content problems become an error box, never an exception.

    ``html_names``: variables whose values are HTML the workshop's author wrote, pasted in
    as written; every other value is escaped for where it lands."""
    try:
        text = page.path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        problem = ContentError(f"cannot read the page: {error.strerror}", page.file)
        return Rendered(error_box(problem), problem)
    from .asciidoc_render import render_asciidoc  # here: the server itself renders nothing
    from .markdown_render import render_markdown

    source = split_front_matter(text, page.file)
    values = dict(values)  # Liquid's outputs join it as values of their own (liquid_values)
    substitution = Substitution(values, html_names)
    body = source.body
    if page.dialect == "educates":  # Hugo shortcodes and {{ variables }} (shortcodes.py)
        from .shortcodes import translate

        body = translate(body, values)
    problem = source.error
    if page.template_engine == LIQUID:
        try:
            body = render_liquid(body, values, liquid_values(values, substitution), html_names,
                                 page.file, source.body_line)
        except ContentError as error:  # the page as written, under the box saying why
            problem, body = error, source.body
    else:
        body = substitution.source(body)
    try:
        with substitution.active():
            if page.format == "adoc":
                html, adoc_problem = render_asciidoc(body, page.file, substitution.attributes(), source.body_line,
                                                     page.path)
                problem = problem or adoc_problem
            else:
                html = render_markdown(body, page.dialect)
        html = substitution.finish(html)
    except ContentError as error:
        problem, html = error, ""
    except Exception as error:  # a renderer bug must not take other pages down
        log.exception("rendering %s failed", page.file)
        problem, html = ContentError(f"the page could not be rendered: {error}", page.file), ""
    if problem is not None:
        html = error_box(problem) + html
    return Rendered(html, problem)


class RenderCache:
    """One entry per page: the last (file version, variable values) and its HTML.

    ``lookup`` (a stat and, after an edit, a read of the page) runs in the notes' thread;
    the rendering itself in the render worker (worker.py), which may be stopped."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[tuple, Rendered, float]] = {}
        self._names: dict[str, tuple[tuple[int, int], frozenset[str]]] = {}

    def _page_names(self, page: Page, version: tuple[int, int]) -> frozenset[str]:
        known = self._names.get(page.id)
        if known is None or known[0] != version:
            try:
                text = page.path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            known = (version, frozenset(used_names(text)))
            self._names[page.id] = known
        return known[1]

    def lookup(self, page: Page, values: Mapping[str, str],
               html_names: Collection[str] = ()) -> tuple[tuple, Rendered | None]:
        """(key, the cached rendering for that key or None)."""
        version = file_key(page.path)
        names = self._page_names(page, version)
        if page.format == "adoc" or page.dialect or page.template_engine == LIQUID:  # {attribute}s, {{ name }}s
            names = frozenset(values)
        key = (version, tuple(sorted((n, values[n], n in html_names) for n in names if n in values)))
        entry = self._entries.get(page.id)
        if entry is not None and entry[0] == key and time.monotonic() < entry[2]:
            return key, entry[1]
        return key, None

    def store(self, page: Page, key: tuple, rendered: Rendered, keep: float = math.inf) -> None:
        """Remember ``rendered`` for ``key`` (for ``keep`` seconds: a page stopped for taking
        too long is tried again later, not on every request)."""
        self._entries[page.id] = (key, rendered, time.monotonic() + keep)

    def get(self, page: Page, values: Mapping[str, str], html_names: Collection[str] = ()) -> Rendered:
        """Look up, else render here and store."""
        key, rendered = self.lookup(page, values, html_names)
        if rendered is None:
            rendered = render_page(page, values, html_names)
            self.store(page, key, rendered)
        return rendered

    def clear(self) -> None:
        self._entries.clear()
        self._names.clear()
