"""The request path every request takes: forwarded headers, auth, Origin, security headers.

Built by ``make_middlewares`` for one app: the state each request needs is bound
once here rather than looked up per request (this path is the proxy's hot path).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pluggy
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from .auth.base import AuthBackend
from .deck import PRINCIPAL, Deck
from .pages import forbidden
from .plugins import call_async


def forwarded_middleware(trusted: tuple[str, ...]) -> Middleware:
    """Believe X-Forwarded-Proto/Host only from ``LABDECK_TRUSTED_PROXIES``."""
    trust_all = "*" in trusted

    @web.middleware
    async def forwarded(request: web.Request, handler: Handler) -> web.StreamResponse:
        if trust_all or request.remote in trusted:
            changes = {}
            proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
            if proto in ("http", "https"):
                changes["scheme"] = proto
            host = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip()
            if host:
                changes["host"] = host
            if changes:
                request = request.clone(**changes)
        return await handler(request)

    return forwarded


def is_websocket(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


def origin_allowed(request: web.Request, allowed_origins: tuple[str, ...]) -> bool:
    """A browser's WebSocket must come from our own origin (exact scheme, host and port),
    or one listed in ``LABDECK_ALLOWED_ORIGINS``. ``Origin: null`` never passes."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser: browsers always send Origin on WebSocket upgrades
    own = f"{request.scheme}://{request.host}"
    return origin.lower() == own.lower() or origin in allowed_origins


def auth_middleware(deck: Deck, backend: AuthBackend, pm: pluggy.PluginManager, public: set) -> Middleware:
    """Who may enter, in one place: ``authenticate`` -> the backend's ``allow`` -> ``authorize``."""
    prefix, allowed_origins = deck.prefix, tuple(deck.settings.core.allowed_origins)
    logout_path = prefix + "-/logout"
    authorize = pm.hook.authorize
    touch = deck.activity.touch

    @web.middleware
    async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        match = request.match_info
        if match.http_exception is None and match.route.resource in public:
            return await handler(request)
        if is_websocket(request) and not origin_allowed(request, allowed_origins):
            return web.Response(status=403, text="WebSocket from another origin refused.\n")
        principal = await backend.authenticate(request)
        if principal is None:
            return await backend.challenge(request)
        # a signed-in user who is refused must still be able to sign out (and in as someone else)
        if request.path != logout_path:
            allowed = await backend.allow(principal, request)
            if allowed and authorize.get_hookimpls():
                allowed = await call_async(authorize(principal=principal, request=request)) is not False
            if not allowed:
                return forbidden(principal.name, prefix)
        request[PRINCIPAL] = principal
        touch()
        return await handler(request)

    return auth


def make_middlewares(deck: Deck, backend: AuthBackend, pm: pluggy.PluginManager, public: set) -> list[Middleware]:
    auth = auth_middleware(deck, backend, pm, public)
    trusted = tuple(deck.settings.core.trusted_proxies)
    return [forwarded_middleware(trusted), auth] if trusted else [auth]


def security_headers(frame_ancestors: str) -> Callable[[web.Request, web.StreamResponse], Awaitable[None]]:
    csp = f"frame-ancestors {frame_ancestors}"

    async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.add("Content-Security-Policy", csp)

    return add_headers
