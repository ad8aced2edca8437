"""An example plugin: its own sub-app with state and cleanup, a setting, a dashboard tab, a
workshop variable and a proxied upstream program, against labdeck's public API alone."""

import sys

from aiohttp import web

from labdeck import Deck, ProgramSpec, ProxySpec, Setting, hookimpl

VISITORS = web.AppKey("visitors", list)


async def hello(request: web.Request) -> web.Response:
    request.app[VISITORS].append(Deck.principal(request).name)
    greeting = Deck.of(request).settings.example.greeting
    return web.Response(text=f"{greeting}, {Deck.principal(request).name} (visit {len(request.app[VISITORS])})")


@hookimpl
def register_settings():
    return [Setting("greeting", default="hello", help="what the example page says"),
            Setting("upstream_port", type=int, default=0, help="port of the example upstream program")]


@hookimpl
def register_routes(deck):
    async def visitors(app: web.Application):  # state for the app's life, reported when it stops
        app[VISITORS] = []
        yield
        print(f"example: {len(app[VISITORS])} visit(s) by {', '.join(sorted(set(app[VISITORS]))) or 'nobody'}")

    app = web.Application()
    app.router.add_get("/", hello)
    app.cleanup_ctx.append(visitors)
    return app


@hookimpl(optionalhook=True)
def dashboard_tabs(deck):
    from labdeck_dashboard import Tab

    return [Tab(name="Example", url=deck.url("example"))]


@hookimpl(optionalhook=True)
def workshop_variables(deck, request):
    return {"example_greeting": deck.settings.example.greeting}


@hookimpl
def supervisor_programs(deck):
    port = deck.settings.example.upstream_port
    command = [sys.executable, "-m", "labdeck_example.upstream", str(port)]
    return [ProgramSpec("example-upstream", command)] if port else []


@hookimpl
def register_proxies(deck):
    port = deck.settings.example.upstream_port
    return [ProxySpec(path="upstream/", upstream=f"http://127.0.0.1:{port}/base/")] if port else []
