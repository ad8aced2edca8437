"""The progress API under ``<prefix>notes/-/progress``: one attendee's progress as JSON (docs/notes.md).

``GET -/progress`` is the store's snapshot plus the workshop's ``sequence`` (what the instructor
board reads through the hub); the notes page posts each clicked block's result to
``POST -/progress/result`` and "Reset my progress" to ``POST -/progress/reset``. Core signs every
request in and refuses a POST from another origin; the attendee is always the signed-in one,
never a name in the request, except that ``GET -/progress?user=NAME`` reads NAME's rows: who may
enter this server (its owner, a hub admin) may read all of it, since all of it is the owner's workshop.
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.typedefs import Handler

from .check_blocks import page_checks
from .progress import PROGRESS, attendee
from .workshop import Workshop

if TYPE_CHECKING:
    from .views import Views

STATES = ("running", "passed", "failed")
#: a block's name on its page: its position among the page's code blocks (progress.js)
BLOCK = re.compile(r"^[0-9]{1,5}$")
BODY_LIMIT = 4096


def sequence(workshop: Workshop) -> list[dict[str, Any]]:
    """The workshop's pages in order, as the API shows them."""
    return [{"id": page.id, "title": page.title, "checks": len(page_checks(page))}
            for page in (workshop.pages[page_id] for page_id in workshop.sequence)]


def handlers(views: Views) -> dict[str, Handler]:
    """The API's handlers by their name in the notes' route table (mount.py), bound to ``views``
    (its workshop and its thread for slow work)."""

    def store(request: web.Request):
        progress = request.app.get(PROGRESS)
        if progress is None:
            raise web.HTTPServiceUnavailable(text="progress is not kept by this notes app\n")
        return progress

    async def snapshot(request: web.Request) -> web.Response:
        workshop = await views.workshop_or_404(request)
        progress = store(request)
        user = request.query.get("user") or attendee(request)  # the board asks for the server's owner
        body = await views.off_loop(lambda: {**progress.snapshot(user), "sequence": sequence(workshop)})
        return web.json_response(body, headers={"Cache-Control": "no-store"})

    async def result(request: web.Request) -> web.Response:
        workshop = await views.workshop_or_404(request)
        progress = store(request)
        fields = await json_body(request)
        page, block, state = fields.get("page"), fields.get("block"), fields.get("state")
        code, seconds = fields.get("code"), fields.get("seconds")
        problem = (
            "page: not a page of this workshop" if not isinstance(page, str) or page not in workshop.pages
            else "block: the block's number on its page, as a string" if not isinstance(block, str)
            or not BLOCK.match(block)
            else f"state: one of {', '.join(STATES)}" if state not in STATES
            else "code: an integer or null" if code is not None and (type(code) is not int or abs(code) > 2**31)
            else "seconds: a number of seconds or null" if seconds is not None and (
                type(seconds) not in (int, float) or not math.isfinite(seconds) or seconds < 0)
            else None
        )
        if problem:
            raise web.HTTPBadRequest(text=f"progress result: {problem}\n")
        await views.off_loop(lambda: progress.result(attendee(request), "block", page, block, state, code=code,
                                                     seconds=None if seconds is None else round(seconds, 3)))
        return web.json_response({"saved": progress.problem is None})

    async def reset(request: web.Request) -> web.Response:
        progress = store(request)
        user = attendee(request)
        await views.off_loop(progress.reset, user)
        return web.json_response({"reset": progress.problem is None})

    return {"progress_snapshot": snapshot, "progress_result": result, "progress_reset": reset}


async def json_body(request: web.Request) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > BODY_LIMIT:
        raise web.HTTPRequestEntityTooLarge(max_size=BODY_LIMIT, actual_size=request.content_length)
    raw = await request.content.read(BODY_LIMIT + 1)
    if len(raw) > BODY_LIMIT:
        raise web.HTTPRequestEntityTooLarge(max_size=BODY_LIMIT, actual_size=len(raw))
    try:
        fields = json.loads(raw)
    except ValueError:
        raise web.HTTPBadRequest(text="the body is not JSON\n") from None
    if not isinstance(fields, dict):
        raise web.HTTPBadRequest(text="the body is not a JSON object\n")
    return fields
