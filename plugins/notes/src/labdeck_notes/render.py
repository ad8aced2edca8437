"""Page body HTML, cached per file version and per values of the variables the page uses.

``%name%`` works in text, code blocks and URLs; each value is escaped for the place it
lands in (escaping.py), unless the author declared the variable as HTML.
The cache key holds the file's (mtime, size) and the values of the variables that page
mentions, so an edit or a changed value renders again and nothing else does.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from html import escape

from .escaping import Substitution, used_names
from .frontmatter import ContentError, split_front_matter
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
    substitution = Substitution(values, html_names)
    body = substitution.source(source.body)
    problem = source.error
    try:
        with substitution.active():
            if page.format == "adoc":
                html, adoc_problem = render_asciidoc(body, page.file, substitution.attributes(), source.body_line,
                                                     page.path)
                problem = problem or adoc_problem
            else:
                html = render_markdown(body)
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
        if page.format == "adoc":  # AsciiDoc pages also see every variable as {attribute}
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
