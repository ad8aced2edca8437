"""ProxySpec options an upstream such as a web console needs: per-request headers,
TLS settings, cookie paths mapped onto our public path, framing allowed."""

from __future__ import annotations

from aiohttp import web

from labdeck import ProxySpec, hookimpl
from labdeck_testing import labdeck_login, make_certificates


def upstream_app() -> web.Application:
    async def echo(request: web.Request) -> web.Response:
        return web.json_response({"path": request.path, "headers": dict(request.headers)})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    return app


class ProxyPlugin:
    def __init__(self, path="up/", **spec):
        self.spec = {"path": path, **spec}

    @hookimpl
    def register_proxies(self, deck):
        return [ProxySpec(**self.spec)]


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


async def test_https_upstream_is_verified_against_the_given_context(aiohttp_server, labdeck_client, tmp_path):
    import ssl

    ca, cert, key = make_certificates(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    upstream = await aiohttp_server(upstream_app(), ssl=server_context)
    url = f"https://127.0.0.1:{upstream.port}/"
    trusting = ssl.create_default_context(cafile=str(ca))
    client = await labdeck_client({
        "default": ProxyPlugin(upstream=url),
        "trusting": ProxyPlugin("trusting/", upstream=url, ssl=trusting),
        "unverified": ProxyPlugin("unverified/", upstream=url, ssl=False),
    })
    await labdeck_login(client)

    refused = await client.get("/up/x")
    assert refused.status == 502
    assert "certificate could not be verified" in await refused.text()
    for path in ("/trusting/x", "/unverified/x"):
        response = await client.get(path)
        assert response.status == 200
        assert (await response.json())["path"] == "/x"



async def test_upstream_cookies_land_on_our_public_path(aiohttp_server, labdeck_client):
    async def login(request: web.Request) -> web.Response:
        response = web.Response(text="hello")
        for cookie in ("app=1; Path=/base/app; Domain=upstream.example; HttpOnly", "root=2; Path=/; SameSite=Lax",
                       "base=3; Path=/base", "plain=4", "labdeck-session=forged; Path=/"):
            response.headers.add("Set-Cookie", cookie)
        return response

    app = web.Application()
    app.router.add_get("/base/login", login)
    app.router.add_get("/user/alice/kept/login", login)
    upstream = await aiohttp_server(app)
    client = await labdeck_client({"up": ProxyPlugin(upstream=str(upstream.make_url("/base/"))),
                                   "kept": ProxyPlugin("kept/", upstream=str(upstream.make_url("/")), keep_path=True)},
                                  prefix="/user/alice/")
    await labdeck_login(client)
    response = await client.get("/user/alice/up/login")
    assert response.status == 200
    assert response.headers.getall("Set-Cookie") == [
        "app=1; Path=/user/alice/up/app; HttpOnly",
        "root=2; Path=/user/alice/up/; SameSite=Lax",
        "base=3; Path=/user/alice/up",
        "plain=4",
    ]
    # an upstream that knows its public path (keep_path) sets the right Path itself; only Domain goes
    kept = await client.get("/user/alice/kept/login")
    assert kept.headers.getall("Set-Cookie")[:2] == ["app=1; Path=/base/app; HttpOnly", "root=2; Path=/; SameSite=Lax"]


async def test_allow_framing_removes_only_the_upstreams_refusal(aiohttp_server, labdeck_client):
    async def page(request: web.Request) -> web.Response:
        return web.Response(text="console", headers={
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; img-src data:",
        })

    app = web.Application()
    app.router.add_get("/", page)
    upstream = await aiohttp_server(app)
    url = str(upstream.make_url("/"))
    client = await labdeck_client({"up": ProxyPlugin(upstream=url),
                                   "framed": ProxyPlugin("framed/", upstream=url, allow_framing=True)})
    await labdeck_login(client)

    untouched = await client.get("/up/")
    assert untouched.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in untouched.headers.getall("Content-Security-Policy")[0]

    framed = await client.get("/framed/")
    assert "X-Frame-Options" not in framed.headers
    assert framed.headers.getall("Content-Security-Policy") == [
        "default-src 'self'; img-src data:",
        "frame-ancestors 'self'",  # labdeck's own
    ]
