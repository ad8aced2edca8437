"""Shared pieces for core's tests: a real upstream server and a plugin that proxies to it."""

import asyncio

import pytest
from aiohttp import web

from labdeck import ProxySpec, hookimpl

WS_CONNECTS = web.AppKey("ws_connects", list)


async def echo(request: web.Request) -> web.Response:
    body = await request.read()
    return web.json_response({"path": request.path_qs, "method": request.method,
                              "headers": {k: v for k, v in request.headers.items()}, "body_length": len(body)})


async def redirect(request: web.Request) -> web.Response:
    target = request.query.get("to", "/base/echo")
    raise web.HTTPFound(target)


async def hop_headers(request: web.Request) -> web.Response:
    return web.Response(text="ok", headers={"Connection": "X-Secret-Hop", "X-Secret-Hop": "1", "Keep-Alive": "5",
                                            "X-Kept": "yes"})


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(float(request.query.get("s", "5")))
    return web.Response(text="late")


async def big(request: web.Request) -> web.StreamResponse:
    size = int(request.query["n"])
    response = web.StreamResponse()
    await response.prepare(request)
    chunk = b"x" * 65536
    try:
        for _ in range(size // len(chunk)):
            await response.write(chunk)
        await response.write_eof()
    except ConnectionResetError:  # the proxy hung up: its client left (what a test may be about)
        pass
    return response


async def ws_echo(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(max_msg_size=0)
    await ws.prepare(request)
    request.app[WS_CONNECTS].append(request.path)
    async for msg in ws:
        if msg.type == web.WSMsgType.TEXT:
            await ws.send_str(msg.data if msg.data != "origin?" else request.headers.get("Origin", "-"))
        elif msg.type == web.WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    return ws


def upstream_app() -> web.Application:
    app = web.Application(client_max_size=64 * 1024**2)
    app[WS_CONNECTS] = []
    app.router.add_get("/base/redirect", redirect)
    app.router.add_get("/base/hop", hop_headers)
    app.router.add_get("/base/slow", slow)
    app.router.add_get("/base/big", big)
    app.router.add_get("/base/ws", ws_echo)
    app.router.add_route("*", "/base/{tail:.*}", echo)
    return app


class ProxyPlugin:
    """Proxies ``up/`` to the given upstream."""

    def __init__(self, upstream: str, **spec):
        self.upstream = upstream
        self.spec = spec

    @hookimpl
    def register_proxies(self, deck):
        return [ProxySpec(path="up/", upstream=self.upstream, **self.spec)]


@pytest.fixture
def proxy_plugin():
    return ProxyPlugin


@pytest.fixture
async def upstream(aiohttp_server):
    return await aiohttp_server(upstream_app())


@pytest.fixture
def upstream_ws_connects(upstream):
    """The WebSocket connections the upstream has seen."""
    return upstream.app[WS_CONNECTS]


@pytest.fixture
def proxied(labdeck_client, upstream):
    """A signed-in client for a labdeck proxying ``<prefix>up/`` to the upstream's ``/base/``."""
    from labdeck_testing import labdeck_login

    async def factory(prefix="/", **settings):
        plugin = ProxyPlugin(f"http://127.0.0.1:{upstream.port}/base/")
        client = await labdeck_client({"proxytest": plugin}, prefix=prefix, **settings)
        await labdeck_login(client)
        return client

    return factory
