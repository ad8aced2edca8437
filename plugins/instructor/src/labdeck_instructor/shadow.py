"""Shadow a terminal, read-only: the instructor's browser <-> this service <-> the attendee's
labdeck <-> their terminal server's read-only viewer (``terminal/ws/view/<session>``).

The service opens the attendee's side with its own hub token (their labdeck lets such a token
open only that viewer) and relays output to the browser. From the browser only acknowledgements
go back (flow control); anything else is dropped here, and the terminal server drops input,
resizes and signals of a viewer anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from urllib.parse import quote, urljoin

import aiohttp
from aiohttp import WSMsgType, web

from labdeck import Deck

from .poller import Room

SESSION = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}")
UPSTREAM_ONLY = frozenset({"ack", "pong"})  # what the browser may send on: never input


def target(room: Room, user: str, session: str, by: str) -> str:
    """The attendee's viewer URL; 404 for a user without a running server or a bad session name."""
    server = room.servers.get(user)
    if server is None or not SESSION.fullmatch(session):
        raise web.HTTPNotFound(text=f"No running server of {user!r} with a terminal session {session!r}.\n")
    url = urljoin(room.proxy_url, server["url"]) + f"terminal/ws/view/{session}?by={quote(by)}"
    return url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)


async def relay(request: web.Request, room: Room) -> web.StreamResponse:
    user, session = request.match_info["user"], request.match_info["session"]
    url = target(room, user, session, Deck.principal(request).name)  # the attendee is told who watches
    browser = web.WebSocketResponse(max_msg_size=4 << 20, heartbeat=30)
    await browser.prepare(request)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        try:
            attendee = await http.ws_connect(url, headers=room.headers, max_msg_size=0, autoping=True)
        except (aiohttp.ClientError, TimeoutError) as error:
            await browser.send_str(json.dumps({"t": "error", "message": f"{user}'s terminal: {error}"}))
            await browser.close()
            return browser
        async with attendee:
            down = asyncio.ensure_future(_down(attendee, browser))
            up = asyncio.ensure_future(_up(browser, attendee))
            await asyncio.wait((down, up), return_when=asyncio.FIRST_COMPLETED)
            for task in (down, up):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                    await task
    await browser.close()
    return browser


async def _down(attendee: aiohttp.ClientWebSocketResponse, browser: web.WebSocketResponse) -> None:
    async for message in attendee:
        if message.type == WSMsgType.BINARY:
            await browser.send_bytes(message.data)
        elif message.type == WSMsgType.TEXT:
            await browser.send_str(message.data)


async def _up(browser: web.WebSocketResponse, attendee: aiohttp.ClientWebSocketResponse) -> None:
    async for message in browser:
        if message.type != WSMsgType.TEXT:
            continue  # typed bytes: dropped
        with contextlib.suppress(ValueError, TypeError, KeyError, AttributeError):
            if json.loads(message.data)["t"] in UPSTREAM_ONLY:
                await attendee.send_str(message.data)
