"""The pages under ``<prefix>notes/``: home, workshop pages, files beside them, slides, live reload."""

from __future__ import annotations

import asyncio
import functools
import logging
import mimetypes
import os
import posixpath
import re
import time
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from aiohttp import web

from labdeck import Deck

from .asciidoctor_client import has_asciidoc
from .check_gate import page_gate
from .files import safe_file
from .progress import PROGRESS, attendee
from .render import file_key
from .renders import PageRenders
from .site import MISSING, Site
from .variables import request_variables
from .worker import RenderWorker, WorkerError
from .workshop import PAGE_SUFFIXES, Page, Workshop, title_from_name

if TYPE_CHECKING:
    import jinja2

log = logging.getLogger(__name__)

HERE = Path(__file__).parent


@functools.cache
def templates() -> jinja2.Environment:
    """Made with the first notes page, not at start: jinja2's import is 15 ms of a start that
    answers the dashboard first (docs/benchmarks.md)."""
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True)



@functools.cache
def _pygments_stylesheet() -> str:
    """Pygments' stylesheet, made on its first request (not at every start): code colours for light
    pages, and GitHub's dark ones when the browser asks for dark."""
    from pygments.formatters import HtmlFormatter

    return (HtmlFormatter(cssclass="highlight").get_style_defs(".highlight")
            + "\n@media (prefers-color-scheme: dark) {\n"
            + HtmlFormatter(cssclass="highlight", style="github-dark").get_style_defs(".highlight") + "\n}\n")


REVEAL = HERE / "static" / "vendor" / "reveal.js"
REVEAL_FOLDERS = ("css", "js", "lib", "plugin")
LOAD_LIMIT = 60.0  #: seconds for loading the workshop (config.js: node has 10 of them)
#: the AsciiDoc warm-up waits this long, so node does not compete with labdeck's first page (bench_start.py)
WARM_AFTER = 1.0
#: and the warmed worker (node included) stops this long after it, unless a page is asked for (renders.py)
WARM_UNUSED = 60.0
#: Files beside the pages are the attendee's to change (a terminal away): markup among them is
#: served in a sandbox, an origin of its own, so it cannot script labdeck as the attendee (or,
#: under one hub domain, as another attendee who opens the link). Pages are rendered, not served.
ACTIVE_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml")
SANDBOX = {"Content-Security-Policy": "sandbox allow-scripts allow-popups allow-forms"}


_TEMPLATE_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_template(text: str, hidden: Collection[str] = ()) -> str:
    """``notice.md.in`` -> ``notice.md`` as the original images' build did: ``${NAME}`` from
    the environment; unset names, and labdeck's declared secrets (``hidden``), stay as written."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        value = os.environ.get(name)
        return match.group(0) if value is None or name in hidden else value

    return _TEMPLATE_VARIABLE.sub(replace, text)


T = TypeVar("T")


class Views:
    """Request handlers bound to one ``Site``.

    Nothing slow runs on the event loop that carries every terminal's traffic. Loading
    the workshop (which may run ``node`` for config.js) and rendering a page run in the
    render worker, a child process that is killed when a page takes longer than
    ``render_timeout`` seconds (worker.py); the quick file checks (has anything changed?
    is this page cached?) run in one thread of this plugin's own, so the site and its
    cache need no locks. Pages come from renders.py, which renders the rest of the workshop
    ahead after the first page so that the worker can stop.
    """

    def __init__(self, site: Site, live_reload: bool = True, hidden_env: Collection[str] = (),
                 render_timeout: float = 5.0, worker: RenderWorker | None = None):
        self.site = site
        self.live_reload = live_reload
        self.hidden_env = frozenset(hidden_env)
        self.worker = worker or RenderWorker()
        self.renders = PageRenders(site, self.worker, render_timeout, self.off_loop)
        self._thread: ThreadPoolExecutor | None = None
        self._loading = asyncio.Lock()

    async def lifecycle(self, app: web.Application):
        """The thread for quick file work, and the AsciiDoc warm-up, while the notes app runs."""
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="labdeck-notes")
        warming = asyncio.get_running_loop().create_task(self._warm_for_asciidoc())
        yield
        warming.cancel()
        await self.renders.close()
        await self.worker.close()
        self._thread.shutdown(wait=False, cancel_futures=True)

    async def _warm_for_asciidoc(self) -> None:
        """Node and Asciidoctor.js take most of a second to start on a busy machine: when the
        workshop has AsciiDoc pages, the worker loads it (which starts node) soon after labdeck's
        start rather than with the first page an attendee opens (a notes request before then starts
        it at once). Other workshops start it lazily."""
        await asyncio.sleep(WARM_AFTER)
        if await self.off_loop(has_asciidoc, self.site.root):
            await self.workshop()
            if not self.renders.asked:  # nobody opened the notes (a terminal-only use): node goes
                self.worker.settle(WARM_UNUSED)

    async def off_loop(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    async def workshop(self) -> Workshop | None:
        """The workshop, loaded again by the worker when its files changed."""
        site = self.site
        if site.root is None:
            return None
        async with self._loading:
            if site.due():
                signature = await self.off_loop(site.signature)
                if site.changed(signature) and signature == MISSING:
                    site.lost()
                elif site.changed(signature):
                    started = time.perf_counter()
                    try:
                        workshop = await self.worker.call(LOAD_LIMIT, "load", site.root, site.workshop_file,
                                                          dict(os.environ))
                    except WorkerError as error:
                        site.failed(signature, f"loading {site.root} {error}")
                    else:
                        site.replace(workshop, signature, started)
        return site.current

    # -- helpers ------------------------------------------------------------------

    @staticmethod
    def base(request: web.Request) -> str:
        return Deck.of(request).url("notes")

    def url(self, request: web.Request, page: Page) -> str:
        return self.base(request) + quote(page.id)

    async def workshop_or_404(self, request: web.Request) -> Workshop:
        workshop = await self.workshop()
        if workshop is None and self.site.failure:  # a page saying why; the next request looks again
            page = self.render(request, "missing.html", workshop=None,
                               message=f"The workshop could not be loaded: {self.site.failure}.")
            raise web.HTTPServiceUnavailable(text=page.text, content_type="text/html",
                                             headers={"Cache-Control": "no-cache"})
        if workshop is None:
            raise web.HTTPNotFound(text="No workshop content: start labdeck with --content DIR (or WORKSHOP_DIR).\n")
        return workshop

    def render(self, request: web.Request, template: str, status: int = 200, *, workshop: Workshop | None,
               **context: Any) -> web.Response:
        context.setdefault("page_id", "")
        html = templates().get_template(f"notes/{template}").render(
            base=self.base(request), site_title=workshop.title if workshop else "Workshop notes",
            analytics=workshop.analytics if workshop else None,
            live=self.live_reload, home_url=self.base(request) + "-/overview",
            labdeck_js=Deck.of(request).prefix + "-/static/labdeck.js", **context,
        )
        return web.Response(text=html, content_type="text/html", status=status,
                            headers={"Cache-Control": "no-cache"})

    async def not_found(self, request: web.Request, message: str) -> web.Response:
        workshop = await self.workshop()
        return self.render(request, "missing.html", status=404, workshop=workshop, message=message)

    # -- handlers -----------------------------------------------------------------

    async def home(self, request: web.Request) -> web.Response:
        """The first page of the workshop, as in the original images; the overview when there is none."""
        if self.site.root is None:
            return await self.not_found(request, "No workshop content is configured: start labdeck with "
                                           "--content DIR (or set WORKSHOP_DIR).")
        workshop = await self.workshop_or_404(request)
        if workshop.sequence:  # where the attendee left off (progress.py), else the first page
            current = await self.current_page(request, workshop)
            raise web.HTTPFound(self.url(request, current or workshop.pages[workshop.sequence[0]]))
        if workshop.home is not None:
            return await self.show_page(request, workshop, workshop.home)
        return await self.overview(request)

    async def current_page(self, request: web.Request, workshop: Workshop) -> Page | None:
        """The page of the sequence the attendee looked at last, if it is still there."""
        progress = request.app.get(PROGRESS)
        if progress is None:
            return None
        page = workshop.pages.get(await self.off_loop(progress.current, attendee(request)) or "")
        return page if page is not None and page.index is not None else None

    async def overview(self, request: web.Request) -> web.Response:
        """Every step of the workshop, numbered, by folder: the top bar's home button leads here."""
        workshop = await self.workshop_or_404(request)
        first = workshop.pages[workshop.sequence[0]] if workshop.sequence else None
        return self.render(
            request, "home.html", workshop=workshop, total=len(workshop.sequence),
            categories=[(title_from_name(name) if name else "", pages) for name, pages in workshop.categories()],
            url=lambda page: self.url(request, page), start_url=self.url(request, first) if first else None,
            content=str(workshop.content), problems=[],
        )

    async def page_or_file(self, request: web.Request) -> web.StreamResponse:
        workshop = await self.workshop_or_404(request)
        path = request.match_info["path"]
        page = workshop.pages.get(path.rstrip("/"))
        if page is not None and path == page.id:
            return await self.show_page(request, workshop, page)
        if page is not None or (path.endswith(PAGE_SUFFIXES) and posixpath.splitext(path)[0] in workshop.pages):
            target = page or workshop.pages[posixpath.splitext(path)[0]]
            raise web.HTTPFound(self.url(request, target))
        if path.endswith(PAGE_SUFFIXES):
            return await self.not_found(request, f"There is no page {path!r} in this workshop.")
        file = safe_file(workshop.content, path)
        if file is None:
            return await self.not_found(request, f"There is no page or file {path!r} in this workshop.")
        active = (mimetypes.guess_type(file.name)[0] or "") in ACTIVE_TYPES
        return web.FileResponse(file, headers={"Cache-Control": "no-cache", **(SANDBOX if active else {})})

    async def show_page(self, request: web.Request, workshop: Workshop, page: Page) -> web.Response:
        values = await request_variables(request, workshop)
        rendered = await self.renders.page(page, values, workshop)
        self.renders.ahead(values, workshop)
        progress = request.app.get(PROGRESS)
        checks, locked = await self.off_loop(page_gate, progress, attendee(request), workshop, page,
                                             Deck.of(request).settings.notes.require_checks)
        if locked is not None:  # a gated page before this one has checks still to pass (check_gate.py)
            raise web.HTTPFound(f"{self.url(request, locked)}?locked={quote(page.id)}")
        if progress is not None and page.index is not None:  # a step of the workshop: where the attendee is now
            await self.off_loop(progress.visit, attendee(request), page.id)
        next_page = workshop.pages.get(page.next) if page.next else None
        prev_page = workshop.pages.get(page.prev) if page.prev else None
        exit_external = finish = False
        restart_url = Deck.of(request).settings.notes.restart_url  # the operator's, never a page's value
        if next_page is not None:
            exit_url = self.url(request, next_page)
        elif page.exit_link:
            exit_url, exit_external = page.exit_link, True
        elif restart_url:  # asks first (notes.js), as the original's finish dialog did
            exit_url, exit_external, finish = restart_url, True, True
        else:
            exit_url = self.base(request) + "-/overview"
        return self.render(
            request, "page.html", workshop=workshop, page=page, page_id=page.id, body=rendered.html,
            version=await self.page_version(page.id),
            own_heading=rendered.html.lstrip().startswith("<h1"),  # the page starts with its own title
            prev_url=self.url(request, prev_page) if prev_page else None,
            next_url=self.url(request, next_page) if next_page else None,
            position=page.index + 1 if page.index is not None else None, total=len(workshop.sequence),
            exit_url=exit_url, exit_external=exit_external, finish=finish,
            exit_sign=page.exit_sign or "Continue", checks=checks,
            locked=workshop.pages.get(request.query.get("locked", "")),
        )

    async def pygments_css(self, request: web.Request) -> web.Response:
        return web.Response(text=_pygments_stylesheet(), content_type="text/css",
                            headers={"Cache-Control": "max-age=3600"})

    async def slides_slash(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(self.base(request) + "slides/")

    async def slides(self, request: web.Request) -> web.StreamResponse:
        workshop = await self.workshop_or_404(request)
        if workshop.slides is None:
            return await self.not_found(request, "This workshop has no slides (workshop/slides/index.html).")
        path = request.match_info["path"] or "index.html"
        if path.endswith("/"):
            path += "index.html"
        file = safe_file(workshop.slides, path)
        if file is None and path.split("/", 1)[0] in REVEAL_FOLDERS:
            file = safe_file(REVEAL, path)  # reveal.js, as the original images provided it
        if file is None:
            template = safe_file(workshop.slides, path + ".in")
            if template is not None:
                return web.Response(body=expand_template(template.read_text(encoding="utf-8", errors="replace"),
                                                                 self.hidden_env),
                                    content_type=mimetypes.guess_type(path)[0] or "text/plain", charset="utf-8",
                                    headers={"Cache-Control": "no-cache"})
            return await self.not_found(request, f"There is no file {path!r} in the slides.")
        return web.FileResponse(file, headers={"Cache-Control": "no-cache"})

    async def page_version(self, page_id: str) -> str:
        """Changes when the page's file or the workshop changes; survives a server restart."""
        workshop = await self.workshop()
        page = workshop.pages.get(page_id) if workshop else None
        return f"{self.site.structure:08x}-{file_key(page.path) if page else ''}".replace(" ", "")
