"""An example plugin: one route, one proxied upstream program, one setting."""

import sys

from aiohttp import web

from labdeck import ProgramSpec, ProxySpec, Setting, hookimpl, principal_of, settings_of


async def hello(request: web.Request) -> web.Response:
    greeting = settings_of(request).example_greeting
    return web.Response(text=f"{greeting}, {principal_of(request).name}")


@hookimpl
def register_settings():
    return [
        Setting("example_greeting", default="hello", help="what the example page says"),
        Setting("example_upstream_port", type=int, default=0, help="port of the example upstream program"),
    ]


@hookimpl
def register_routes(settings):
    return [web.get("/", hello)]


@hookimpl
def supervisor_programs(settings):
    if not settings.example_upstream_port:
        return []
    command = [sys.executable, "-m", "labdeck_example.upstream", str(settings.example_upstream_port)]
    return [ProgramSpec(name="example-upstream", command=command)]


@hookimpl
def register_proxies(settings):
    if not settings.example_upstream_port:
        return []
    return [ProxySpec(path="upstream/", upstream=f"http://127.0.0.1:{settings.example_upstream_port}/base/")]
