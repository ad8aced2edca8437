"""``create_app(settings, pm)``: plugins' data turned into one aiohttp application."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pluggy
from aiohttp import WSCloseCode, web

from . import __version__
from .auth import AuthBackend, make_auth_backend
from .core_settings import ensure_private_dir
from .deck import DECK, Deck
from .middleware import make_admission, make_middleware, security_headers
from .pages import page
from .plugins import PluginError, call_each, collect
from .programs import ProgramRunner
from .proxy import WEBSOCKETS, Proxy, Route
from .settings import Settings
from .specs import ProxySpec

log = logging.getLogger("labdeck")

AUTH_BACKEND = web.AppKey("labdeck.auth_backend", AuthBackend)
PROXY = web.AppKey("labdeck.proxy", Proxy)
PROGRAMS = web.AppKey("labdeck.programs", ProgramRunner)


def _claim(claims: dict[str, str], path: str, owner: str) -> None:
    """Two plugins on one path prefix would shadow each other: refuse to start."""
    for claimed, other in claims.items():
        if path.startswith(claimed) or claimed.startswith(path):
            raise PluginError(f"plugin {owner!r} claims {path!r}, which overlaps {claimed!r} of plugin {other!r}")
    claims[path] = owner


def _proxy_path(plugin: str, spec: ProxySpec) -> str:
    path = spec.path.strip("/")
    if not path or path.startswith("-") or ".." in path.split("/"):
        raise PluginError(f"plugin {plugin!r}: ProxySpec path {spec.path!r} must be a plain relative path")
    return path + "/"


def _plugin_app(plugin: str, value: object) -> web.Application:
    if isinstance(value, web.Application):
        return value
    routes = value if isinstance(value, (list, tuple)) else [value]
    for route in routes:
        if not isinstance(route, web.AbstractRouteDef):
            raise PluginError(f"plugin {plugin!r}: register_routes returned {route!r}, "
                              "expected aiohttp route definitions or a web.Application")
    sub = web.Application()
    sub.router.add_routes(routes)
    return sub


def _mount_plugins(app: web.Application, deck: Deck, pm: pluggy.PluginManager, backend: AuthBackend) -> None:
    """Each plugin's sub-app under ``<prefix><plugin>/``; its proxies at their paths. Core's own
    ``-/`` and the sign-in backend's routes (``oauth_callback``, the hub's ``api``) are taken first."""
    prefix = deck.prefix
    claims: dict[str, str] = {"-/": "labdeck"}
    for route in backend.routes():
        claims.setdefault(route.path.split("/", 1)[0] + "/", f"sign-in ({backend.name})")
    subapps: dict[str, web.Application] = {}
    for plugin, value in call_each(pm, "register_routes", deck=deck):
        if plugin in subapps:
            raise PluginError(f"plugin {plugin!r}: register_routes answered twice")
        _claim(claims, plugin + "/", plugin)
        subapps[plugin] = _plugin_app(plugin, value)
    proxy = app[PROXY]
    for plugin, spec in collect(pm, "register_proxies", ProxySpec, deck=deck):
        path = _proxy_path(plugin, spec)
        _claim(claims, path, plugin)
        route = Route(spec, prefix + path)

        async def handler(request: web.Request, route: Route = route) -> web.StreamResponse:
            return await proxy.handle(request, route)

        app.router.add_route("*", prefix + path + "{tail:.*}", handler)
        app.router.add_route("*", prefix + path.rstrip("/"), _add_slash)
    for name, sub in subapps.items():
        app.router.add_route("*", prefix + name, _add_slash)  # before the sub-app, which would 404 it
        app.add_subapp(prefix + name, sub)


async def _add_slash(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(request.path + "/" + ("?" + request.query_string if request.query_string else ""))


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "version": __version__, "plugins": Deck.of(request).plugins()})


async def root(request: web.Request) -> web.StreamResponse:
    deck = Deck.of(request)
    target = deck.settings.core.default_page or deck.hook.default_page(deck=deck)
    if target:
        raise web.HTTPFound(deck.prefix + target.lstrip("/"))
    return page("labdeck", "<h1>labdeck is running</h1><p>No installed plugin offers a page.</p>")


async def logout(request: web.Request) -> web.StreamResponse:
    """A POST signs out (a link from another site cannot); a GET shows the button that does."""
    if request.method == "POST":
        return await request.app[AUTH_BACKEND].logout(request)
    return page("Sign out", '<h1>Sign out?</h1><form method="post"><button autofocus>Sign out</button></form>')


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    ensure_private_dir(app[DECK].settings.core.runtime_dir)
    runner = app.get(PROGRAMS)
    if runner is not None:
        runner.start()
    await app[AUTH_BACKEND].on_startup(app)
    yield
    await app[AUTH_BACKEND].on_shutdown(app)
    await app[PROXY].close()
    if runner is not None:
        await runner.stop()


async def _close_websockets(app: web.Application) -> None:
    """Say goodbye on every open WebSocket at once; a peer that does not answer within a second
    is cut off, so a stop (the hub's SIGTERM) never waits on a sleeping browser tab."""
    closing = [asyncio.ensure_future(ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down"))
               for ws in list(app[WEBSOCKETS])]
    if not closing:
        return
    _, pending = await asyncio.wait(closing, timeout=1.0)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


def create_app(settings: Settings, pm: pluggy.PluginManager) -> web.Application:
    """Everything core serves, for these settings and plugins. Raises PluginError / SettingsError."""
    deck = Deck(settings, pm)
    core = settings.core
    backend = make_auth_backend(deck, pm)
    public: set = set()
    admits = make_admission(backend, pm)
    app = web.Application(middlewares=[make_middleware(deck, backend, admits, public)],
                          handler_args={"max_field_size": 16384})
    app[DECK] = deck
    app[AUTH_BACKEND] = backend
    async def signed_in(request: web.Request) -> bool:  # still, for a WebSocket opened earlier (proxy.py)
        principal = await backend.authenticate(request)
        return principal is not None and await admits(principal, request)

    app[PROXY] = Proxy(timeout=core.proxy_timeout, connect_retry=core.proxy_connect_retry,
                       trusted_proxies=tuple(core.trusted_proxies), signed_in=signed_in)
    app[WEBSOCKETS] = set()
    specs = deck.programs()
    if core.run_programs and specs:
        app[PROGRAMS] = ProgramRunner(specs)
    prefix = deck.prefix
    public.add(app.router.add_get(prefix + "-/health", health).resource)
    for route in backend.routes():
        assert isinstance(route, web.RouteDef), route
        public.add(app.router.add_route(route.method, prefix + route.path, route.handler).resource)
    app.router.add_post(prefix + "-/logout", logout)
    app.router.add_get(prefix + "-/logout", logout)
    app.router.add_static(prefix + "-/static", Path(__file__).parent / "static")  # labdeck.js: the action bus
    app.router.add_get(prefix, root)
    _mount_plugins(app, deck, pm, backend)
    app.on_response_prepare.append(security_headers(core.frame_ancestors))
    app.on_shutdown.append(_close_websockets)
    app.cleanup_ctx.append(_lifecycle)
    return app
