"""Rendered pages for the server: from the cache, else from the render worker, and the
rest of the workshop rendered ahead so that the worker (and node) can go.

An attendee opens one page after another and the pages do not change: once every page
is in the cache, the render worker (a Python process of its own, about 25 MiB) and the
node process it runs for AsciiDoc (about 80 MiB) have nothing left to do. So after the
first page an attendee opens, the other pages of the workshop are rendered in the
background, one at a time, with the same variables; then the worker is told to stop
``SETTLE_SECONDS`` later rather than after its usual ``IDLE_SECONDS`` (worker.py). A
page that changes on disk brings it back. While an author is editing (the workshop was
reloaded since labdeck started) the worker stays, so that a save shows at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from .frontmatter import ContentError
from .render import Rendered, error_box
from .site import Site
from .worker import RenderWorker, WorkerError
from .workshop import Page, Workshop

log = logging.getLogger(__name__)

RETRY_SECONDS = 60.0  #: a page stopped for taking too long is tried again after this
SETTLE_SECONDS = 10.0  #: the worker's life once every page is rendered and nobody is editing

OffLoop = Callable[..., Awaitable[Any]]


class PageRenders:
    """``await renders.page(page, values, workshop)``; ``ahead(values, workshop)`` after it."""

    def __init__(self, site: Site, worker: RenderWorker, render_timeout: float, off_loop: OffLoop):
        self.site = site
        self.worker = worker
        self.render_timeout = render_timeout
        self.off_loop = off_loop  #: runs the cache's file checks in the notes' own thread
        self._in_flight: dict[tuple[str, tuple], asyncio.Future[Rendered]] = {}
        self._ahead: asyncio.Task | None = None
        self._ahead_for: tuple | None = None  #: (workshop version, values) of the last pass
        self.asked = False  #: a page was asked for: the worker's life is this class's to set

    async def page(self, page: Page, values: dict[str, str], workshop: Workshop) -> Rendered:
        """The page's body from the cache, else from the worker; a page the worker cannot
        render in time becomes an error box naming its file, and the worker a new one.
        Two requests for the same rendering share one (the background pass and a click)."""
        self.asked = True
        key, rendered = await self.off_loop(self.site.cache.lookup, page, values, workshop.html_vars)
        if rendered is not None:
            return rendered
        flight = (page.id, key)
        waiting = self._in_flight.get(flight)
        if waiting is not None:
            return await asyncio.shield(waiting)
        future: asyncio.Future[Rendered] = asyncio.get_running_loop().create_future()
        self._in_flight[flight] = future
        try:
            rendered = await self._render(page, key, values, workshop)
            future.set_result(rendered)
            return rendered
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as error:
            future.set_exception(error)
            future.exception()  # marked as seen: nobody else may be waiting for it
            raise
        finally:
            del self._in_flight[flight]

    async def _render(self, page: Page, key: tuple, values: dict[str, str], workshop: Workshop) -> Rendered:
        try:
            rendered = await self.worker.call(self.render_timeout, "render", page, values,
                                              frozenset(workshop.html_vars))
        except WorkerError as error:
            log.error("%s: rendering %s", page.file, error)
            problem = ContentError(f"rendering this page {error}", page.file)
            rendered = Rendered(error_box(problem), problem)
            self.site.cache.store(page, key, rendered, keep=RETRY_SECONDS)
            return rendered
        self.site.cache.store(page, key, rendered)
        return rendered

    def ahead(self, values: dict[str, str], workshop: Workshop) -> None:
        """Render, in the background, every page not yet in the cache for these values
        (once per workshop version and values), then let the worker settle."""
        wanted = (self.site.version, tuple(sorted(values.items())))
        if wanted == self._ahead_for or (self._ahead is not None and not self._ahead.done()):
            return
        self._ahead_for = wanted
        self._ahead = asyncio.get_running_loop().create_task(self._render_ahead(dict(values), workshop))

    async def _render_ahead(self, values: dict[str, str], workshop: Workshop) -> None:
        for page in list(workshop.pages.values()):
            if self.site.current is not workshop:  # reloaded meanwhile: the next page view starts again
                self._ahead_for = None
                return
            try:
                await self.page(page, values, workshop)
            except Exception:  # a page that cannot render shows its error when opened
                log.exception("notes: rendering %s ahead", page.file)
        if self.site.version == 1:  # never reloaded: nobody is editing, the cache has every page
            self.worker.settle(SETTLE_SECONDS)

    async def close(self) -> None:
        if self._ahead is not None:
            self._ahead.cancel()
            await asyncio.gather(self._ahead, return_exceptions=True)
