"""ProxySpec options an upstream such as a web console needs: per-request headers,
TLS settings, cookie paths mapped onto our public path, framing allowed."""

from __future__ import annotations

from aiohttp import web
from labdeck import ProxySpec, hookimpl
from labdeck.testing import labdeck_login


def upstream_app() -> web.Application:
    async def echo(request: web.Request) -> web.Response:
        return web.json_response({"path": request.path, "headers": dict(request.headers)})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    return app


class ProxyPlugin:
    def __init__(self, **spec):
        self.spec = spec

    @hookimpl
    def register_proxies(self, settings):
        return [ProxySpec(path="up/", **self.spec)]


async def test_headers_callable_is_asked_on_every_request(aiohttp_server, labdeck_client):
    upstream = await aiohttp_server(upstream_app())
    tokens = iter(["first", "second"])
    plugin = ProxyPlugin(upstream=str(upstream.make_url("/")),
                         headers=lambda request: {"Authorization": f"Bearer {next(tokens)}"})
    client = await labdeck_client({"up": plugin})
    await labdeck_login(client)
    seen = []
    for _ in range(2):
        response = await client.get("/up/x", headers={"Authorization": "Basic c2VjcmV0"})
        seen.append((await response.json())["headers"]["Authorization"])
    assert seen == ["Bearer first", "Bearer second"]
