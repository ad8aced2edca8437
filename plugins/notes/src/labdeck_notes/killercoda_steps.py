"""A Killercoda step's scripts when the attendee opens the step: ``POST notes/-/killercoda/start``.

The step's page (killercoda.js) asks once it is open. The first time a step starts, its
``background`` script runs hidden, as the attendee's user (labdeck's), in their home folder,
with its output in ``<runtime dir>/killercoda/<step>-background.log``; and its ``foreground``
script is answered for the page to run in the first terminal (a ``terminal:execute`` on the
dashboard's action bus) — the first time a page inside a dashboard asks. Each runs once per
step while labdeck runs, as on Killercoda, however often the page is opened again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from pathlib import Path

from aiohttp import web

from labdeck import Deck

from .files import safe_file
from .views import Views

log = logging.getLogger(__name__)


class StepScripts:
    def __init__(self, views: Views, deck: Deck):
        self.views = views
        self.log_dir = Path(deck.settings.core.runtime_dir) / "killercoda"
        self.hidden_env = frozenset(deck.settings.secrets())
        self.started: set[str] = set()  #: steps whose background script ran
        self.shown: set[str] = set()  #: steps whose foreground script went to a terminal
        self.running: set[asyncio.subprocess.Process] = set()
        self._waiting: set[asyncio.Task] = set()

    async def lifecycle(self, app: web.Application):
        yield
        for process in list(self.running):  # a background script does not outlive labdeck
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    async def start(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="expected JSON: {\"page\": \"<page id>\", \"terminal\": true}") from None
        page_id = body.get("page") if isinstance(body, dict) else None
        workshop = await self.views.workshop()
        page = workshop.pages.get(page_id) if workshop is not None and isinstance(page_id, str) else None
        if page is None or page.dialect != "killercoda":
            raise web.HTTPNotFound(text=f"no Killercoda step {page_id!r} in this workshop\n")
        step = page.meta.get("step", page.id)
        if step not in self.started and page.meta.get("background"):
            self.started.add(step)
            await self._background(workshop.root, page.meta["background"], step)
        foreground = None
        if body.get("terminal") is True and step not in self.shown and page.meta.get("foreground"):
            self.shown.add(step)
            script = safe_file(workshop.root, page.meta["foreground"])
            foreground = script.read_text(encoding="utf-8", errors="replace") if script else None
        return web.json_response({"foreground": foreground})

    def _environment(self) -> dict[str, str]:
        return {name: value for name, value in os.environ.items() if name not in self.hidden_env}

    async def _background(self, root: Path, relative: str, step: str) -> None:
        script = safe_file(root, relative)  # checked again: the folder may have changed since loading
        if script is None:
            log.error("killercoda: %s background script %s is missing", step, relative)
            return
        self.log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        log_file = self.log_dir / f"{step}-background.log"
        home = Path.home()
        with log_file.open("a", encoding="utf-8") as out:
            out.write(f"=== {relative} started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
            out.flush()
            process = await asyncio.create_subprocess_exec(
                "bash", str(script), stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
                cwd=home if home.is_dir() else root, env=self._environment(), start_new_session=True)
        log.info("killercoda: %s background script %s started, output in %s", step, relative, log_file)
        self.running.add(process)
        task = asyncio.get_running_loop().create_task(self._finished(process, relative, log_file))
        self._waiting.add(task)
        task.add_done_callback(self._waiting.discard)

    async def _finished(self, process: asyncio.subprocess.Process, relative: str, log_file: Path) -> None:
        status = await process.wait()
        self.running.discard(process)
        with log_file.open("a", encoding="utf-8") as out:
            out.write(f"=== {relative} exited with status {status}\n")
        if status:
            log.warning("killercoda: background script %s exited with status %s (output in %s)",
                        relative, status, log_file)
