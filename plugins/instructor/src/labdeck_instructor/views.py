"""The board's routes: the page, its JSON, and its live stream (server-sent events)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from aiohttp import web

from labdeck import Deck

from .poller import Room
from .shadow import relay

STATIC = Path(__file__).parent / "static"
ROOM = web.AppKey("room", Room)
#: seconds between keep-alive comments on an idle stream (proxies drop silent connections)
KEEPALIVE = 15.0
MESSAGE_LIMIT = 500  #: characters of a broadcast (the attendee's labdeck keeps as many)


def state(room: Room) -> dict:
    return {"version": room.version, "rows": room.board, "problem": room.problem,
            "interval": room.interval, "pass_seconds": room.pass_seconds}


async def page(request: web.Request) -> web.StreamResponse:
    deck = Deck.of(request)
    html = (STATIC / "board.html").read_text().replace("{{base}}", deck.url("instructor"))
    return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})


async def shadow_page(request: web.Request) -> web.StreamResponse:
    user, session = request.match_info["user"], request.match_info["session"]
    if user not in request.app[ROOM].servers:
        raise web.HTTPNotFound(text=f"{user!r} has no running server.\n")
    values = {"base": Deck.of(request).url("instructor"), "user": html.escape(user), "session": html.escape(session)}
    text = (STATIC / "shadow.html").read_text()
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    return web.Response(text=text, content_type="text/html", headers={"Cache-Control": "no-store"})


async def shadow_socket(request: web.Request) -> web.StreamResponse:
    return await relay(request, request.app[ROOM])


async def board(request: web.Request) -> web.Response:
    return web.json_response(state(request.app[ROOM]), headers={"Cache-Control": "no-store"})


async def events(request: web.Request) -> web.StreamResponse:
    """Every new board as one ``data:`` event; the first at once."""
    room = request.app[ROOM]
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store",
                                           "X-Accel-Buffering": "no"})
    await response.prepare(request)
    seen = None
    while True:
        if room.version != seen:
            seen = room.version
            await response.write(f"data: {json.dumps(state(room))}\n\n".encode())
        else:
            await response.write(b": keep-alive\n\n")
        await room.wait(seen, KEEPALIVE)


async def _json(request: web.Request) -> dict:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="the body is not JSON\n") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body is not a JSON object\n")
    return body


async def handled(request: web.Request) -> web.Response:
    """The instructor marks a hand handled: the attendee's labdeck lowers it."""
    at = (await _json(request)).get("at")
    if type(at) not in (int, float):
        raise web.HTTPBadRequest(text="at: the time the hand was raised, as the board shows it\n")
    problem = await request.app[ROOM].handled(request.match_info["user"], at)
    if problem:
        raise web.HTTPBadGateway(text=f"{request.match_info['user']}'s hand: {problem}\n")
    return web.json_response({"handled": True})


async def broadcast(request: web.Request) -> web.Response:
    """A short message to every running attendee's notes pages (an empty one takes it down)."""
    message = (await _json(request)).get("message")
    if not isinstance(message, str) or len(message) > MESSAGE_LIMIT:
        raise web.HTTPBadRequest(text=f"message: a text of at most {MESSAGE_LIMIT} characters\n")
    sent = await request.app[ROOM].broadcast(message.strip(), Deck.principal(request).name)
    return web.json_response({"sent": sent})


def routes() -> list[web.RouteDef]:
    return [web.get("/", page), web.get("/-/board", board), web.get("/-/events", events),
            web.get("/shadow/{user}/{session}", shadow_page), web.get("/-/shadow/{user}/{session}", shadow_socket),
            web.post("/-/hand/{user}", handled), web.post("/-/broadcast", broadcast),
            web.static("/-/static", STATIC)]
