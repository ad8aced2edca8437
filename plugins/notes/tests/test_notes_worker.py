"""A page that never finishes rendering fails alone; the server and the other pages go on."""

from __future__ import annotations

import asyncio
import os
import shutil
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
    assert response.status == 200 and 1.5 <= elapsed < 4, elapsed
    assert 'class="ld-error"' in html
    assert "workshop/content/exercises/04-slow.md" in html
    assert "took longer than 1.5 s and was stopped" in html

    second = await other  # rendered by a fresh worker once the stuck one was killed
    assert second.status == 200
    assert 'class="ld-error"' not in (body := await second.text()) and "hello, " in body

    sent = time.monotonic()  # the failure is remembered: asking again does not stall again
    again = await client.get("/notes/exercises/04-slow")
    assert "took longer than" in await again.text() and time.monotonic() - sent < 1


async def test_the_worker_starts_on_the_first_page_and_not_before(tmp_path, labdeck_client):
    import labdeck_notes
    from labdeck_notes.views import Views

    made: list[Views] = []
    original = Views.app

    def remember(self):
        made.append(self)
        return original(self)

    Views.app = remember
    try:
        client = await labdeck_client({"notes": labdeck_notes}, auth="none", content=EXAMPLE)
    finally:
        Views.app = original
    views = made[0]
    assert (await client.get("/notes/-/pygments.css")).status == 200
    assert views.worker.pid is None and views.worker.starts == 0  # idle: no worker process
    assert (await client.get("/notes/finish")).status == 200
    assert views.worker.pid is not None and views.worker.starts == 1
    pid = views.worker.pid
    await client.close()
    with pytest.raises(ProcessLookupError):  # stopped and reaped with the app
        os.kill(pid, 0)
