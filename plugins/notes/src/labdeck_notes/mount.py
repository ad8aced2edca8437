"""The notes sub-app as labdeck mounts it at start: its route table, and the code behind it
(parts.py) made at the first request under ``notes/``, or ``BUILD_AFTER`` seconds after the start.

That code and the modules it needs (the views, rendering, checks, progress, help: some twenty
modules) were 13 ms of a start whose whole budget beyond a bare aiohttp app is about 40 ms, and the
first page a start answers is the dashboard (docs/benchmarks.md, issue 18). What has to be there
from the start is: the routes, the static files, the progress store (``app[PROGRESS]``) and the
workshop's setup scripts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.typedefs import Handler

from labdeck import Deck

from .formats.setup_scripts import setup_context
from .progress import progress_context

if TYPE_CHECKING:
    from .parts import NotesParts

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
#: seconds after the start when the parts are made if no request asked for them (the AsciiDoc
#: warm-up, views.py, starts from there)
BUILD_AFTER = 0.5
#: method, path, and the handler's name in ``NotesParts.handlers``; the pages' catch-all last
ROUTES = (
    ("GET", "/", "home"),
    ("GET", "/-/pygments.css", "pygments_css"),
    ("GET", "/-/overview", "overview"),
    ("GET", "/-/progress", "progress_snapshot"),
    ("POST", "/-/progress/result", "progress_result"),
    ("POST", "/-/progress/reset", "progress_reset"),
    ("POST", "/-/progress/hand", "raise_hand"),
    ("GET", "/-/help", "help_state"),
    ("POST", "/-/broadcast", "broadcast"),
    ("GET", "/-/events", "events"),
    ("POST", "/-/checks/run", "run_checks"),
    ("POST", "/-/killercoda/start", "killercoda_start"),
    ("GET", "/slides", "slides_slash"),
    ("GET", "/slides/{path:.*}", "slides"),
    ("GET", "/{path:.+}", "page_or_file"),
)


class LazyParts:
    """The notes' parts, made once, their lifecycles run within the notes app's."""

    def __init__(self, deck: Deck, app: web.Application):
        self.deck, self.app = deck, app
        self._parts: NotesParts | None = None
        self._lock = asyncio.Lock()
        self._lives = contextlib.AsyncExitStack()
        self._building: asyncio.Future | None = None

    async def get(self) -> NotesParts:
        if self._parts is None:
            async with self._lock:
                if self._parts is None:
                    from .parts import NotesParts

                    parts = NotesParts(self.deck)
                    for lifecycle in parts.lifecycles:
                        await self._lives.enter_async_context(contextlib.asynccontextmanager(lifecycle)(self.app))
                    self._parts = parts
        return self._parts

    async def context(self, app: web.Application) -> AsyncIterator[None]:
        """A cleanup context: the parts made soon after the start, their lives ended with the app's."""
        timer = asyncio.get_running_loop().call_later(BUILD_AFTER, self._build_now)
        yield
        timer.cancel()
        if self._building is not None and not self._building.done():
            self._building.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._building
        await self._lives.aclose()

    def _build_now(self) -> None:
        self._building = asyncio.ensure_future(self.get())
        self._building.add_done_callback(self._report)

    @staticmethod
    def _report(task: asyncio.Future) -> None:
        if not task.cancelled() and task.exception() is not None:  # a request tries again and shows it
            log.error("the notes could not be made ready", exc_info=task.exception())

    def handler(self, name: str) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await (await self.get()).handlers[name](request)

        handle.__name__ = name
        return handle


def notes_app(deck: Deck) -> web.Application:
    """The sub-app under ``notes/``."""
    own = deck.settings.notes
    app = web.Application()
    parts = LazyParts(deck, app)
    app.router.add_static("/-/static", HERE / "static")
    for method, path, name in ROUTES:
        app.router.add_route(method, path, parts.handler(name))
    if own.setup_scripts:
        app.cleanup_ctx.append(setup_context(own.content))  # workshop/setup.d/*.sh, once per start
    app.cleanup_ctx.append(progress_context(own.progress_file))  # app[PROGRESS]: progress.py
    app.cleanup_ctx.append(parts.context)
    return app
