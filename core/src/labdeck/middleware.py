"""The path every request takes: Host, forwarded headers, Origin, auth, security headers.
State is bound once per app in ``make_middleware``, not looked up per request (the hot path);
one middleware runs the checks in turn (each layer of middleware is a coroutine more per request)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pluggy
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from .auth.base import AuthBackend
from .deck import PRINCIPAL, Deck
from .pages import forbidden
from .plugins import call_async
from .specs import Principal
from .urls import host_name, is_ip, is_loopback, trusted

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


FrontDoor = Callable[[web.Request], "web.Request | web.Response"]


def front_door(core) -> FrontDoor | None:
    """Host checked where DNS rebinding matters (on loopback, or ``LABDECK_ALLOWED_HOSTS`` set; on 0.0.0.0
    sign-in protects, on a socket the server in front); ``X-Forwarded-*`` believed from trusted proxies.
    The request as we should see it, or the answer that refuses it."""
    proxies = tuple(core.trusted_proxies)
    names = {"localhost", host_name(core.host), *(h.lower() for h in core.allowed_hosts)} \
        if (is_loopback(core.host) and not core.socket) or core.allowed_hosts else None
    if not proxies and names is None:
        return None

    def front(request: web.Request) -> web.Request | web.Response:
        headers, forwarded = request.headers, trusted(request.remote, proxies)
        # an IP address has no name to rebind; a trusted proxy's X-Forwarded-Host is the name it routed by
        if names is not None and "Host" in headers and not (forwarded and "X-Forwarded-Host" in headers):
            name = host_name(headers["Host"])
            if name not in names and not name.endswith(".localhost") and not is_ip(name):
                return web.Response(status=421, text=f"{name} is not served here (LABDECK_ALLOWED_HOSTS).\n")
        if forwarded:
            proto = headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
            host = headers.get("X-Forwarded-Host", "").split(",")[0].strip()
            changes = {k: v for k, v in (("scheme", proto if proto in ("http", "https") else ""), ("host", host)) if v}
            return request.clone(**changes) if changes else request
        return request

    return front


def is_websocket(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


def origin_allowed(request: web.Request, allowed_origins: tuple[str, ...]) -> bool:
    """From our own origin (scheme, host and port exactly) or one in ``LABDECK_ALLOWED_ORIGINS``?
    The browser says so in ``Sec-Fetch-Site`` or ``Origin`` (``null`` never passes). With neither it
    is no browser; but a WebSocket (browsers always send Origin) then needs ``Authorization``."""
    headers = request.headers
    if headers.get("Sec-Fetch-Site") in ("same-origin", "none"):
        return True
    origin = headers.get("Origin")
    if origin is None:
        return "Sec-Fetch-Site" not in headers and (not is_websocket(request) or "Authorization" in headers)
    return origin.lower() == f"{request.scheme}://{request.host}".lower() or origin in allowed_origins


Admission = Callable[[Principal, web.Request], Awaitable[bool]]


def make_admission(backend: AuthBackend, pm: pluggy.PluginManager) -> Admission:
    """Does a signed-in principal get in: the backend's ``allow``, then every plugin's ``authorize``.
    Asked of every request, and again of a WebSocket still open (proxy.py)."""
    authorize = pm.hook.authorize

    async def admits(principal: Principal, request: web.Request) -> bool:
        if not await backend.allow(principal, request):
            return False
        return not authorize.get_hookimpls() \
            or await call_async(authorize(principal=principal, request=request)) is not False

    return admits


def make_middleware(deck: Deck, backend: AuthBackend, admits: Admission, public: set) -> Middleware:
    """The front door (``front_door``), then who may enter, in one place: ``authenticate`` -> the
    backend's ``allow`` -> ``authorize`` (``admits``)."""
    prefix, allowed_origins = deck.prefix, tuple(deck.settings.core.allowed_origins)
    logout_path = prefix + "-/logout"
    touch = deck.activity.touch
    front = front_door(deck.settings.core)

    @web.middleware
    async def entry(request: web.Request, handler: Handler) -> web.StreamResponse:
        if front is not None:
            request = front(request)
            if isinstance(request, web.Response):
                return request
        # what a page of another site makes a browser send, with its cookie or Basic credentials
        if (request.method not in SAFE_METHODS or is_websocket(request)) \
                and not origin_allowed(request, allowed_origins):
            return web.Response(status=403, text="Request from another site refused.\n")
        match = request.match_info
        if match.http_exception is None and match.route.resource in public:
            return await handler(request)
        principal = await backend.authenticate(request)
        if principal is None:
            return await backend.challenge(request)
        # a signed-in user who is refused must still be able to sign out (and in as someone else)
        if request.path != logout_path and not await admits(principal, request):
            return forbidden(principal.name, prefix)
        request[PRINCIPAL] = principal
        touch()
        return await handler(request)

    return entry


def security_headers(frame_ancestors: str) -> Callable[[web.Request, web.StreamResponse], Awaitable[None]]:
    csp = f"frame-ancestors {frame_ancestors}"

    async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.add("Content-Security-Policy", csp)

    return add_headers
