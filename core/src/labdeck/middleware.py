"""The request path every request takes: forwarded headers, auth, Origin, security headers."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from .keys import ACTIVITY, AUTH_BACKEND, PLUGIN_MANAGER, PRINCIPAL, PUBLIC_RESOURCES, SETTINGS
from .pages import forbidden
from .plugins import call_async


@web.middleware
async def forwarded_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Believe X-Forwarded-Proto/Host only from ``LABDECK_TRUSTED_PROXIES``."""
    trusted = request.config_dict[SETTINGS].trusted_proxies
    if trusted and ("*" in trusted or request.remote in trusted):
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


def is_websocket(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


def origin_allowed(request: web.Request) -> bool:
    """A browser's WebSocket must come from our own origin (exact scheme, host and port),
    or one listed in ``LABDECK_ALLOWED_ORIGINS``. ``Origin: null`` never passes."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser: browsers always send Origin on WebSocket upgrades
    own = f"{request.scheme}://{request.host}"
    return origin.lower() == own.lower() or origin in request.config_dict[SETTINGS].allowed_origins


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    app = request.config_dict
    match = request.match_info
    if match.http_exception is None and match.route.resource in app[PUBLIC_RESOURCES]:
        return await handler(request)
    if is_websocket(request) and not origin_allowed(request):
        return web.Response(status=403, text="WebSocket from another origin refused.\n")
    backend = app[AUTH_BACKEND]
    principal = await backend.authenticate(request)
    if principal is None:
        return await backend.challenge(request)
    pm = app[PLUGIN_MANAGER]
    # a signed-in user who is refused must still be able to sign out (and in as someone else)
    if pm.hook.authorize.get_hookimpls() and request.path != app[SETTINGS].prefix + "-/logout":
        decision = await call_async(pm.hook.authorize(principal=principal, request=request))
        if decision is False:
            return forbidden(principal.name, app[SETTINGS].prefix)
    request[PRINCIPAL] = principal
    app[ACTIVITY].touch()
    return await handler(request)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    ancestors = request.config_dict[SETTINGS].frame_ancestors
    headers.add("Content-Security-Policy", f"frame-ancestors {ancestors}")
