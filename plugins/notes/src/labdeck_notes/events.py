"""``GET -/events?page=ID``: the one server-sent-event stream a notes page holds open.

Over HTTP/1.1 a browser opens at most six connections to one host, and every open stream
holds one of them for as long as the page is shown; the dashboard's other panes, the
page's own images and scripts, and the next page's request share the rest. So a notes
page listens to a single stream, which carries:

- ``version`` (once, first) and ``change``: live reload for authors, when the open page
  or the workshop changes (only with live reload on and a page named);
- ``help``: whether help is offered, the attendee's hand and the instructor's broadcast
  (help.py), at once and again whenever they change.

Comments keep an idle stream open through proxies.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from .help import Help
    from .views import Views

LIVE_INTERVAL = 0.1  # seconds between looks at the open page (a stat): a save shows within 0.3 s (bench_live.py)
KEEPALIVE = 15.0  #: seconds between keep-alive comments on an idle stream (proxies drop silent connections)


class PageEvents:
    def __init__(self, views: Views, help: Help):
        self.views = views
        self.help = help

    async def events(self, request: web.Request) -> web.StreamResponse:
        """The first ``version`` event carries the page's current version, which the page
        compares with the one it was rendered with: an edit made before the stream connected,
        or while the server restarted (the browser reconnects by itself), still reloads it."""
        page_id = request.query.get("page", "")
        live = self.views.live_reload and bool(page_id)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store",
                                               "X-Accel-Buffering": "no"})
        await response.prepare(request)
        seen = await self.views.page_version(page_id) if live else None
        if live:
            await response.write(f"event: version\ndata: {seen}\n\n".encode())
        clock = asyncio.get_running_loop().time
        help_seen, help_sent, last_write = -1, None, clock()
        try:
            while True:
                if self.help.version != help_seen:
                    help_seen = self.help.version
                    state = await self.help.current(request)
                    if state != help_sent:
                        help_sent, last_write = state, clock()
                        await response.write(f"event: help\ndata: {json.dumps(state)}\n\n".encode())
                if live and (now := await self.views.page_version(page_id)) != seen:
                    seen, last_write = now, clock()
                    await response.write(b"event: change\ndata: reload\n\n")
                if clock() - last_write >= KEEPALIVE:
                    last_write = clock()
                    await response.write(b": keep-alive\n\n")
                await self.help.wait(help_seen, LIVE_INTERVAL if live else KEEPALIVE - (clock() - last_write))
        except ConnectionResetError:  # the browser went away
            pass
        return response
