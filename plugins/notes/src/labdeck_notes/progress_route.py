"""``GET <prefix>notes/-/progress``: one attendee's progress as JSON, for the instructor's board.

The shape is ``ProgressStore.snapshot()`` plus ``sequence`` (the workshop's pages in order, with
titles), so a reader can say "page k of n". ``?user=NAME`` reads another name's rows of this
server's store (the board asks for the server's owner); everyone who may enter this server may
read every row of it, since all of it is the owner's workshop.
"""

from __future__ import annotations

from aiohttp import web

from .progress import PROGRESS, attendee


def install(app: web.Application, views) -> None:
    """Add the route to the notes sub-app (``views``: its ``Views``, for the workshop's sequence)."""

    async def progress(request: web.Request) -> web.Response:
        store = request.app.get(PROGRESS)
        user = request.query.get("user") or attendee(request)
        snapshot = await views.off_loop(store.snapshot, user) if store is not None else \
            {"version": 1, "user": user, "current": None, "pages": {}, "problem": "no progress store"}
        workshop = await views.workshop()
        snapshot["sequence"] = [{"id": pid, "title": workshop.pages[pid].title, "checks": None}
                                for pid in workshop.sequence] if workshop else []
        return web.json_response(snapshot, headers={"Cache-Control": "no-store"})

    app.router.add_get("/-/progress", progress)
