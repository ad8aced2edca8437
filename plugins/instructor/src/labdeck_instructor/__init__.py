"""labdeck-instructor: the instructor's room board, run by JupyterHub as a managed service.

The hub starts ``labdeck serve`` for the service with ``LABDECK_INSTRUCTOR_BOARD=true``; the
``jupyterhub`` sign-in backend lets in only tokens holding ``access:services!service=<name>``
(admins, and the instructors group's role: images/hub/jupyterhub_config.py). The board polls the
hub and every attendee's labdeck (poller.py) and turns what it reads into rows (room.py); it
posts to attendees' labdecks only when the instructor marks a hand handled or sends a broadcast.
docs/instructor.md is the guide. Installed beside an attendee's labdeck it does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from labdeck import Setting, SettingsError, hookimpl, parse_bool

__version__ = "0.1.0"


@hookimpl
def register_settings() -> list[Setting]:
    return [
        Setting("board", type=parse_bool, default=False,
                help="serve the room board (the hub's service definition turns it on)"),
        Setting("proxy_url", default="",
                help="where the service reaches attendees' servers: the hub's proxy, e.g. http://proxy-public"),
        Setting("interval", type=float, default=5.0,
                help="seconds between two polls of the room (each attendee's labdeck is asked once per poll)"),
        Setting("concurrency", type=int, default=20, help="attendees' labdecks asked at the same time"),
        Setting("stuck_factor", type=float, default=2.0,
                help="stuck: time on the page above this many times the room's median for it"),
        Setting("stuck_seconds", type=float, default=300.0,
                help="stuck: never before this many seconds on the page (a failing check counts from then)"),
    ]


@hookimpl
def register_routes(deck):
    own = deck.settings.instructor
    if not own.board:
        return None
    from .poller import Room
    from .room import StuckRule
    from .views import ROOM, routes

    if not deck.settings.has("jupyterhub") or not deck.settings.jupyterhub.api_url:
        raise SettingsError("LABDECK_INSTRUCTOR_BOARD is on but JUPYTERHUB_API_URL is not set: "
                            "the board runs as a JupyterHub service")
    if not own.proxy_url:
        raise SettingsError("LABDECK_INSTRUCTOR_PROXY_URL is not set: where does the board reach attendees' "
                            "servers (the hub's public proxy, e.g. http://proxy-public)?")
    if own.interval < 1:
        raise SettingsError(f"LABDECK_INSTRUCTOR_INTERVAL={own.interval}: at least 1 second")

    async def polling(app: web.Application):
        hub = deck.settings.jupyterhub
        room = app[ROOM] = Room(api_url=hub.api_url, api_token=hub.api_token, proxy_url=own.proxy_url,
                                interval=own.interval, concurrency=max(own.concurrency, 1),
                                rule=StuckRule(factor=own.stuck_factor, min_seconds=own.stuck_seconds))
        task = asyncio.ensure_future(room.run())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app = web.Application()
    app.router.add_routes(routes())
    app.cleanup_ctx.append(polling)
    return app


@hookimpl
def default_page(deck):
    return "instructor/" if deck.settings.instructor.board else None
