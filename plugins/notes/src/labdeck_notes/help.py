"""Ask for help and the instructor's broadcast, on the notes page (docs/instructor.md).

``POST -/progress/hand`` raises the signed-in attendee's hand (``{"page", "message",
"commands"}``; the store adds their latest block results) or lowers it (``{"lower": true}``,
with ``"at"``: only the hand raised then, and ``"user"``: whose; the instructor's board sends
that when the hand is handled). Raising needs ``LABDECK_NOTES_HELP``: nothing is captured unless the workshop offers
it and the attendee presses the button. ``POST -/broadcast`` shows ``{"message", "from"}`` on
this labdeck's notes pages (kept in memory: the latest one); ``GET -/help`` is whether help is
offered, the attendee's hand and the broadcast. The page gets the same as ``help`` events on its
one event stream (events.py), again whenever they change: a request held open instead of polling,
so an idle tab does not count as use and keep the hub's culler from an idle server.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .progress import PROGRESS, attendee
from .progress_api import json_body

if TYPE_CHECKING:
    from .views import Views

MESSAGE_LIMIT = 500  #: characters of a hand's or a broadcast's message
COMMAND_LIMIT = 300  #: characters kept of each command a hand carries


def _text(fields: dict[str, Any], key: str, limit: int) -> str:
    value = fields.get(key, "")
    if not isinstance(value, str):
        raise web.HTTPBadRequest(text=f"{key}: a string of at most {limit} characters\n")
    return value.strip()[:limit]


class Help:
    """The routes, bound to the notes app's views (workshop, thread) and the workshop's setting."""

    def __init__(self, views: Views, enabled: bool):
        self.views = views
        self.enabled = enabled
        self.message: dict[str, Any] = {}  #: the instructor's broadcast, shown on every page
        self.version = 0  #: changes with any hand or the broadcast: open streams look again
        self._changed = asyncio.Condition()

    async def changed(self) -> None:
        async with self._changed:
            self.version += 1
            self._changed.notify_all()

    async def current(self, request: web.Request) -> dict[str, Any]:
        progress = request.app.get(PROGRESS)
        hand = await self.views.off_loop(progress.hand, attendee(request)) if progress and self.enabled else None
        return {"enabled": self.enabled, "hand": hand, "broadcast": self.message or None}

    async def state(self, request: web.Request) -> web.Response:
        return web.json_response(await self.current(request), headers={"Cache-Control": "no-store"})

    async def wait(self, version: int, seconds: float) -> None:
        """Return when anything changed since ``version``, or after ``seconds``."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait_for(lambda: self.version != version), seconds)

    async def hand(self, request: web.Request) -> web.Response:
        progress = request.app.get(PROGRESS)
        if progress is None:
            raise web.HTTPServiceUnavailable(text="progress is not kept by this notes app\n")
        fields = await json_body(request)
        user = attendee(request)
        if fields.get("lower") is True:
            # the board names the attendee (it signs in as a service): who may enter this server
            # may lower its owner's hand, as they may read their progress (progress_api.py)
            named = fields.get("user")
            if named is not None and not isinstance(named, str):
                raise web.HTTPBadRequest(text="hand: user: a name\n")
            user = named or user
            at = fields.get("at")
            if at is not None and type(at) not in (int, float):
                raise web.HTTPBadRequest(text="hand: at is the time the hand was raised (a number)\n")
            await self.views.off_loop(progress.lower_hand, user, at)
            await self.changed()
            return web.json_response({"hand": None})
        if not self.enabled:
            raise web.HTTPForbidden(text="hand: this workshop does not offer help (LABDECK_NOTES_HELP is off)\n")
        workshop = await self.views.workshop_or_404(request)
        page = fields.get("page")
        if not isinstance(page, str) or page not in workshop.pages:
            raise web.HTTPBadRequest(text="hand: page: not a page of this workshop\n")
        commands = fields.get("commands") or {}
        if not isinstance(commands, dict) or not all(isinstance(v, str) for v in commands.values()):
            raise web.HTTPBadRequest(text="hand: commands: the page's block number -> its text\n")
        commands = {str(k): v[:COMMAND_LIMIT] for k, v in commands.items()}
        message = _text(fields, "message", MESSAGE_LIMIT)
        await self.views.off_loop(progress.raise_hand, user, page, message, commands)
        await self.changed()
        return web.json_response({"hand": await self.views.off_loop(progress.hand, user)})

    async def broadcast(self, request: web.Request) -> web.Response:
        fields = await json_body(request)
        message = _text(fields, "message", MESSAGE_LIMIT)
        self.message.clear()
        if message:  # an empty message takes the last one down
            self.message.update(message=message, at=time.time(), sender=_text(fields, "from", 64))
        await self.changed()
        return web.json_response({"broadcast": self.message or None})
