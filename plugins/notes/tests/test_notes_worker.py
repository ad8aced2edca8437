"""A page that never finishes rendering fails alone; the server and the other pages go on."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from aiohttp import web

from labdeck import hookimpl

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "workshop"
# Python-Markdown's link pattern backtracks on a long run of '[': minutes for this page
FOREVER = "# Slow\n\n" + "[" * 30000 + "\n"


class Echo:
    """A terminal-like plugin: a WebSocket that echoes, and a plain HTTP route."""

    @hookimpl
    def register_routes(self, deck):
        async def socket(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            async for message in ws:
                await ws.send_str(message.data)
            return ws

        async def ping(request: web.Request) -> web.Response:
            return web.Response(text="pong")

        return [web.get("/ws", socket), web.get("/ping", ping)]


async def test_a_page_that_renders_forever_fails_alone_within_the_limit(tmp_path, labdeck_client):
    import labdeck_notes

    shutil.copytree(EXAMPLE, tmp_path / "w")
    (tmp_path / "w" / "workshop" / "content" / "exercises" / "04-slow.md").write_text(FOREVER)
    client = await labdeck_client({"notes": labdeck_notes, "echo": Echo()}, auth="none",
                                  content=tmp_path / "w", notes_render_timeout=1.5)
    assert (await client.get("/notes/")).status == 200  # the worker runs and has the workshop

    started = time.monotonic()
    slow = asyncio.ensure_future(client.get("/notes/exercises/04-slow"))
    await asyncio.sleep(0.3)  # the worker is stuck in that page now
    other = asyncio.ensure_future(client.get("/notes/exercises/02-variables"))

    # terminal traffic meanwhile: answered at once, the event loop is free
    ws = await client.ws_connect("/echo/ws", origin=str(client.make_url("")).rstrip("/"))
    for word in ("ls", "pwd", "date"):
        sent = time.monotonic()
        await ws.send_str(word)
        assert (await ws.receive_str(timeout=0.5)) == word
        assert time.monotonic() - sent < 0.5
    await ws.close()
    sent = time.monotonic()
    assert await (await client.get("/echo/ping")).text() == "pong"
    assert time.monotonic() - sent < 0.5
    assert not slow.done()

    response = await slow
    elapsed = time.monotonic() - started
    html = await response.text()
    # (the page may already have been on its way, rendered ahead after the first page: renders.py)
    assert response.status == 200 and elapsed < 4, elapsed
    assert 'class="ld-error"' in html
    assert "workshop/content/exercises/04-slow.md" in html
    assert "took longer than 1.5 s and was stopped" in html

    second = await other  # rendered by a fresh worker once the stuck one was killed
    assert second.status == 200
    assert 'class="ld-error"' not in (body := await second.text()) and "hello, " in body

    sent = time.monotonic()  # the failure is remembered: asking again does not stall again
    again = await client.get("/notes/exercises/04-slow")
    assert "took longer than" in await again.text() and time.monotonic() - sent < 1


async def _stopped(worker, within: float = 30) -> None:
    """Wait (without blocking the server's loop) until the render worker has stopped."""
    deadline = time.monotonic() + within
    while worker.pid is not None:
        assert time.monotonic() < deadline, "the render worker did not stop"
        await asyncio.sleep(0.1)


async def _group_gone(group: int, within: float = 10) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        await asyncio.sleep(0.1)
    return False


async def _notes_views(labdeck_client, content: Path):
    """The notes plugin's ``Views`` of a new client (``views.client``), made by its first request
    under notes/ (``-/help``: no page, no worker)."""
    import labdeck_notes
    from labdeck_notes.views import Views

    made: list[Views] = []
    original = Views.__init__

    def remember(self, *args, **kwargs):
        made.append(self)
        original(self, *args, **kwargs)

    Views.__init__ = remember
    try:
        client = await labdeck_client({"notes": labdeck_notes}, auth="none", content=content)
        assert (await client.get("/notes/-/help")).status == 200
    finally:
        Views.__init__ = original
    made[0].client = client
    return made[0]


async def test_the_worker_starts_on_the_first_page_and_not_before(tmp_path, labdeck_client):
    views = await _notes_views(labdeck_client, EXAMPLE)
    client = views.client
    assert (await client.get("/notes/-/pygments.css")).status == 200
    assert views.worker.pid is None and views.worker.starts == 0  # idle: no worker process
    assert (await client.get("/notes/finish")).status == 200
    assert views.worker.pid is not None and views.worker.starts == 1
    pid = views.worker.pid
    await client.close()
    with pytest.raises(ProcessLookupError):  # stopped and reaped with the app
        os.kill(pid, 0)


async def test_the_pages_render_ahead_and_then_the_worker_and_node_stop(tmp_path, labdeck_client, monkeypatch):
    """An attendee: after the first page, every page is rendered in the background, and the worker
    (with the node process of the AsciiDoc page) stops; the next pages come from the cache."""
    from labdeck_notes import renders

    monkeypatch.setattr(renders, "SETTLE_SECONDS", 0.5)
    views = await _notes_views(labdeck_client, EXAMPLE)
    assert (await views.client.get("/notes/")).status == 200
    worker = views.worker.pid
    assert worker is not None
    await _stopped(views.worker)
    assert await _group_gone(worker)  # the worker and the node process it ran
    for page in ("exercises/01-first-commands", "exercises/03-asciidoc", "finish"):
        response = await views.client.get(f"/notes/{page}")
        assert response.status == 200 and 'class="ld-error"' not in await response.text()
    assert views.worker.starts == 1 and views.worker.pid is None  # all from the cache


async def test_an_edited_page_brings_the_worker_back_and_it_stays_while_an_author_works(
        tmp_path, labdeck_client, monkeypatch):
    from labdeck_notes import renders

    monkeypatch.setattr(renders, "SETTLE_SECONDS", 0.5)
    shutil.copytree(EXAMPLE, tmp_path / "w")
    views = await _notes_views(labdeck_client, tmp_path / "w")
    assert (await views.client.get("/notes/")).status == 200
    await _stopped(views.worker)

    page = tmp_path / "w" / "workshop" / "content" / "finish.md"
    page.write_text(page.read_text() + "\n\nA line the author just added.\n")
    await asyncio.sleep(1.1)  # the workshop is looked at again at most once a second (site.py)
    response = await views.client.get("/notes/finish")
    assert "A line the author just added." in await response.text()
    assert views.worker.starts == 2
    await asyncio.sleep(1.5)  # past the settle time: the worker stays for the next save
    assert views.worker.pid is not None


async def test_a_worker_warmed_for_asciidoc_that_nobody_uses_stops(tmp_path, labdeck_client, monkeypatch):
    """An AsciiDoc workshop: the worker starts node soon after labdeck's start, and when no page is
    asked for (a terminal-only use), stops again with node rather than holding them for minutes."""
    from labdeck_notes import views as views_module

    monkeypatch.setattr(views_module, "WARM_AFTER", 0.1)
    monkeypatch.setattr(views_module, "WARM_UNUSED", 0.5)
    views = await _notes_views(labdeck_client, EXAMPLE)  # examples/workshop has an AsciiDoc page
    deadline = time.monotonic() + 30
    while views.worker.pid is None:
        assert time.monotonic() < deadline, "the worker was not warmed"
        await asyncio.sleep(0.05)
    worker = views.worker.pid
    await _stopped(views.worker)
    assert await _group_gone(worker)
    assert views.worker.starts == 1


async def test_a_worker_told_to_settle_during_a_call_stops_after_it():
    """The pages rendered ahead while another call (the workshop's load) holds the worker: the
    settle applies when that call ends, rather than being lost to the 5-minute idle timer."""
    from labdeck_notes.worker import RenderWorker

    worker = RenderWorker(idle_seconds=600)
    try:
        loading = asyncio.ensure_future(worker.call(30, "load", EXAMPLE, "workshop.yaml", dict(os.environ)))
        await asyncio.sleep(0)  # the call has taken the worker's lock
        assert worker._lock.locked()
        worker.settle(0.3)
        await loading
        await _stopped(worker, within=10)
    finally:
        await worker.close()


async def test_warming_after_the_first_page_leaves_the_settle_to_the_pages(tmp_path, labdeck_client, monkeypatch):
    """An attendee opened the notes before the warm-up ran: the warm-up's long grace for an unused
    worker must not keep the worker (and node) after every page is rendered."""
    from labdeck_notes import renders
    from labdeck_notes import views as views_module

    monkeypatch.setattr(renders, "SETTLE_SECONDS", 1.0)
    monkeypatch.setattr(views_module, "WARM_AFTER", 0)
    monkeypatch.setattr(views_module, "WARM_UNUSED", 600)
    views = await _notes_views(labdeck_client, EXAMPLE)
    assert (await views.client.get("/notes/")).status == 200
    deadline = time.monotonic() + 30
    while views.renders._ahead is None or not views.renders._ahead.done():
        assert time.monotonic() < deadline, "the pages were not rendered ahead"
        await asyncio.sleep(0.05)
    await views._warm_for_asciidoc()  # as when it runs late, on a busy machine
    await _stopped(views.worker, within=10)


def test_a_render_worker_that_died_before_a_request_gives_an_error_box_not_a_500(monkeypatch, exited_spawn):
    """Under uvloop (as `labdeck serve` runs) writing a request to a worker that had already exited
    (killed, out of memory) raised RuntimeError, which no caller expects; it is a WorkerError, which
    the page shows as an error naming its file, and the next call starts a new worker."""
    uvloop = pytest.importorskip("uvloop")
    from labdeck_notes.worker import RenderWorker, WorkerError

    async def run():
        worker = RenderWorker()
        monkeypatch.setattr(asyncio, "create_subprocess_exec", exited_spawn(sys.executable, "-c", "pass"))
        try:
            with pytest.raises(WorkerError, match="render worker stopped"):
                await worker.call(10, "load", EXAMPLE, "workshop.yaml", dict(os.environ))
            monkeypatch.undo()
            workshop = await worker.call(30, "load", EXAMPLE, "workshop.yaml", dict(os.environ))
            return worker.starts, workshop
        finally:
            await worker.close()

    starts, workshop = uvloop.run(run())
    assert starts == 2 and workshop.pages
