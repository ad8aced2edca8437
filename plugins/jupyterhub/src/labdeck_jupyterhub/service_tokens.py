"""A hub *service's* API token in ``Authorization``, for read-only paths only.

The instructor's board (labdeck-instructor, a hub service) reads each attendee's progress with
its own hub API token: ``Authorization: token <service token>``. The token is shown to the hub's
``GET /user`` (the answer is kept ``TTL`` seconds, so a room polled every few seconds costs the
hub one request per attendee per minute); it enters when it belongs to a hub service (never a
user: people sign in through the browser flow) and holds a scope covering one of
``JUPYTERHUB_OAUTH_ACCESS_SCOPES`` (``access:servers``, granted by the hub's role for that
service). Even then it reaches only ``READ_ONLY_PATHS`` with GET, ``SERVICE_POSTS`` with POST
(the board lowering a hand it marked handled, and the instructor's broadcast), and the terminal
server's read-only viewer (``terminal/ws/view/<session>``, a WebSocket whose input the terminal
server drops): such a token never types in a terminal, edits a file or runs a check.
"""

from __future__ import annotations

import contextvars
import hashlib
import re
import time
from typing import Any

from aiohttp import web

from labdeck import Principal
from labdeck_oauth import ProviderError, request_json

#: under this server's prefix: what a service token may read (progress for the board)
READ_ONLY_PATHS = ("notes/-/progress",)
#: under this server's prefix: what a service token may POST (the board: a handled hand, a broadcast)
SERVICE_POSTS = ("notes/-/progress/hand", "notes/-/broadcast")
#: under this server's prefix: the terminal server's read-only viewer, the only WebSocket a service opens
VIEWER = "terminal/ws/view/"
SESSION = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}")
#: seconds a token's lookup at the hub is trusted (a revoked token works this long at most)
TTL = 60.0
#: request[SERVICE]: this request came in with a hub service's token (``allow`` confines it)
SERVICE = web.RequestKey("labdeck_jupyterhub.service", str)

#: set for the request (its task) a service's token signed in: see ``PeopleActivity``
SERVICE_REQUEST: contextvars.ContextVar[bool] = contextvars.ContextVar("labdeck_jupyterhub.service", default=False)

HEADER = re.compile(r"(?:token|bearer)\s+(\S+)", re.IGNORECASE)


def header_token(request: web.Request) -> str | None:
    match = HEADER.fullmatch(request.headers.get("Authorization", "").strip())
    return match.group(1) if match else None


def service_allowed(request: web.Request, prefix: str) -> bool:
    """A GET of one of ``READ_ONLY_PATHS``, a POST of one of ``SERVICE_POSTS``, or the WebSocket
    of a terminal's read-only viewer."""
    if request.method == "POST":
        return not request.headers.get("Upgrade") and any(request.path == prefix + path for path in SERVICE_POSTS)
    if request.method not in ("GET", "HEAD"):
        return False
    if request.headers.get("Upgrade"):
        session = request.path.removeprefix(prefix + VIEWER)
        return session != request.path and SESSION.fullmatch(session) is not None
    return any(request.path == prefix + path for path in READ_ONLY_PATHS)


class ServiceTokens:
    """Who a service token is, asked of the hub and remembered for ``TTL`` seconds."""

    def __init__(self, api_url: str, ssl_context: Any, *, clock: Any = time.monotonic):
        self.api_url = api_url
        self.ssl_context = ssl_context
        self.clock = clock
        self._known: dict[str, tuple[float, tuple[str, tuple[str, ...]] | None]] = {}

    async def lookup(self, token: str) -> tuple[str, tuple[str, ...]] | None:
        """``(service name, its scopes)``, or None when the hub does not know it as a service's."""
        key = hashlib.sha256(token.encode()).hexdigest()  # the token itself is kept nowhere
        now = self.clock()
        known = self._known.get(key)
        if known is not None and known[0] > now:
            return known[1]
        try:
            status, model = await request_json("GET", self.api_url + "/user", bearer=token,
                                               ssl_context=self.ssl_context)
        except ProviderError:
            return None  # not remembered: the next request asks again
        found = None
        if status == 200 and isinstance(model, dict) and model.get("kind") == "service" \
                and isinstance(model.get("name"), str) and isinstance(model.get("scopes"), list):
            found = (model["name"], tuple(str(s) for s in model["scopes"]))
        if len(self._known) > 1000:  # tokens seen are few (one per service); never grow without end
            self._known = {k: v for k, v in self._known.items() if v[0] > now}
        self._known[key] = (now + TTL, found)
        return found

    async def principal(self, request: web.Request) -> tuple[Principal, tuple[str, ...]] | None:
        token = header_token(request)
        found = await self.lookup(token) if token else None
        if found is None:
            return None
        name, scopes = found
        request[SERVICE] = name
        SERVICE_REQUEST.set(True)  # this request's task only
        return Principal(name=f"service:{name}", backend="jupyterhub", groups=("hub-service",)), scopes


class PeopleActivity:
    """``deck.activity`` that a hub service's requests leave alone: the board reads progress every
    few seconds, and that must not keep an idle attendee's server from the hub's culler."""

    def __init__(self, inner: Any):
        self.inner = inner

    @property
    def last(self) -> float:
        return self.inner.last

    def touch(self) -> None:
        if not SERVICE_REQUEST.get():
            self.inner.touch()
