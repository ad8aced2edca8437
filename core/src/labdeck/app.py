"""``create_app(settings, pm)``: plugins' data turned into one aiohttp application."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pluggy
from aiohttp import WSCloseCode, web

from . import __version__
from .activity import Activity
from .auth import make_auth_backend
from .keys import ACTIVITY, AUTH_BACKEND, PLUGIN_MANAGER, PROGRAMS, PROXY, SETTINGS, WEBSOCKETS
from .middleware import make_middlewares, security_headers
from .pages import page
from .plugins import PluginError, call_async, collect
from .programs import ProgramRunner
from .proxy import Proxy, Route
from .settings import Settings
from .specs import ProgramSpec, ProxySpec

log = logging.getLogger("labdeck")


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


def _mount_plugins(app: web.Application, settings: Settings, pm: pluggy.PluginManager) -> None:
    """Each plugin's routes in a sub-app under ``<prefix><plugin>/``; its proxies at their paths."""
    prefix = settings.prefix
    claims: dict[str, str] = {"-/": "labdeck", "api/": "labdeck", "oauth_callback/": "labdeck"}
    subapps: dict[str, web.Application] = {}
    for plugin, route in collect(pm, "register_routes", web.AbstractRouteDef, settings=settings):
        if plugin not in subapps:
            _claim(claims, plugin + "/", plugin)
            subapps[plugin] = web.Application()
        subapps[plugin].router.add_routes([route])
    proxy = app[PROXY]
    for plugin, spec in collect(pm, "register_proxies", ProxySpec, settings=settings):
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
    pm = request.app[PLUGIN_MANAGER]
    names = sorted(name for name, _ in pm.list_name_plugin())
    return web.json_response({"status": "ok", "version": __version__, "plugins": names})


async def root(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    target = settings.default_page or request.app[PLUGIN_MANAGER].hook.default_page(settings=settings)
    if target:
        raise web.HTTPFound(settings.prefix + target.lstrip("/"))
    return page("labdeck", "<h1>labdeck is running</h1><p>No installed plugin offers a page.</p>")


async def logout(request: web.Request) -> web.StreamResponse:
    return await request.app[AUTH_BACKEND].logout(request)


def _programs(settings: Settings, pm: pluggy.PluginManager) -> list[ProgramSpec]:
    return [spec for _, spec in collect(pm, "supervisor_programs", ProgramSpec, settings=settings)]


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    pm = app[PLUGIN_MANAGER]
    runner = app.get(PROGRAMS)
    if runner is not None:
        runner.start()
    await app[AUTH_BACKEND].on_startup(app)
    for result in pm.hook.startup(app=app):
        await call_async(result)
    yield
    for result in pm.hook.shutdown(app=app):
        await call_async(result)
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
    backend = make_auth_backend(settings, pm)
    public: set = set()
    activity = Activity()
    app = web.Application(middlewares=make_middlewares(settings, backend, pm, public, activity),
                          handler_args={"max_field_size": 16384})
    app[SETTINGS] = settings
    app[PLUGIN_MANAGER] = pm
    app[AUTH_BACKEND] = backend
    app[PROXY] = Proxy(timeout=settings.proxy_timeout, connect_retry=settings.proxy_connect_retry)
    app[WEBSOCKETS] = set()
    app[ACTIVITY] = activity
    programs = _programs(settings, pm)
    if settings.run_programs and programs:
        app[PROGRAMS] = ProgramRunner(programs)
    prefix = settings.prefix
    public.add(app.router.add_get(prefix + "-/health", health).resource)
    for route in backend.routes():
        assert isinstance(route, web.RouteDef), route
        public.add(app.router.add_route(route.method, prefix + route.path, route.handler).resource)
    app.router.add_get(prefix + "-/logout", logout)
    app.router.add_get(prefix, root)
    _mount_plugins(app, settings, pm)
    app.on_response_prepare.append(security_headers(settings.frame_ancestors))
    app.on_shutdown.append(_close_websockets)
    app.cleanup_ctx.append(_lifecycle)
    return app
