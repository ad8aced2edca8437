"""The reverse proxy against a real upstream server on loopback."""

import aiohttp
import pytest

from labdeck.auth.session import cookie_name
from labdeck_testing import TEST_TOKEN


async def test_http_reaches_upstream_under_a_prefix(proxied):
    client = await proxied(prefix="/user/alice/")
    response = await client.get("/user/alice/up/echo?x=1")
    body = await response.json()
    assert body["path"] == "/base/echo?x=1"
    assert body["headers"]["X-Forwarded-Prefix"] == "/user/alice/up"
    assert body["headers"]["X-Forwarded-Proto"] == "http"
    assert "X-Forwarded-For" in body["headers"]


async def test_our_credentials_never_go_upstream(proxied):
    client = await proxied()
    response = await client.get("/up/echo", headers={"Authorization": f"token {TEST_TOKEN}"},
                                cookies={"theirs": "kept"})
    headers = (await response.json())["headers"]
    assert "Authorization" not in headers
    assert cookie_name("/") not in headers.get("Cookie", "")
    assert "theirs=kept" in headers["Cookie"]


async def test_hop_by_hop_and_connection_named_headers_dropped(proxied):
    client = await proxied()
    response = await client.get("/up/echo", headers={"Connection": "keep-alive, X-Private", "X-Private": "1",
                                                     "TE": "trailers", "Proxy-Authorization": "Basic eA==",
                                                     "X-Public": "1"})
    headers = (await response.json())["headers"]
    assert "X-Private" not in headers and "Proxy-Authorization" not in headers and "TE" not in headers
    assert headers["X-Public"] == "1"
    # and on the way back
    response = await client.get("/up/hop")
    assert "X-Secret-Hop" not in response.headers and "Keep-Alive" not in response.headers
    assert response.headers["X-Kept"] == "yes"


async def test_location_rewritten_into_our_prefix(proxied, upstream):
    client = await proxied(prefix="/user/alice/")
    response = await client.get("/user/alice/up/redirect", allow_redirects=False)
    assert response.headers["Location"] == "/user/alice/up/echo"
    absolute = f"http://127.0.0.1:{upstream.port}/base/deep/page"
    response = await client.get("/user/alice/up/redirect", params={"to": absolute}, allow_redirects=False)
    assert response.headers["Location"] == "/user/alice/up/deep/page"
    response = await client.get("/user/alice/up/redirect", params={"to": "https://elsewhere.example/x"},
                                allow_redirects=False)
    assert response.headers["Location"] == "https://elsewhere.example/x"


async def test_bodies_stream_both_ways(proxied):
    client = await proxied()
    payload = b"y" * (3 * 1024 * 1024)
    body = await (await client.post("/up/upload", data=payload)).json()
    assert body["body_length"] == len(payload)
    response = await client.get("/up/big", params={"n": str(8 * 1024 * 1024)})
    assert len(await response.read()) == 8 * 1024 * 1024


async def test_upstream_down_is_a_readable_502(labdeck_client, proxy_plugin):
    from labdeck_testing import labdeck_login

    client = await labdeck_client({"down": proxy_plugin("http://127.0.0.1:9/base/")}, proxy_connect_retry=0.3)
    await labdeck_login(client)
    response = await client.get("/up/x")
    assert response.status == 502
    assert "not answering" in await response.text()


async def test_slow_upstream_is_504(proxied):
    client = await proxied(proxy_timeout=0.3)
    response = await client.get("/up/slow", params={"s": "3"})
    assert response.status == 504


async def test_websocket_text_binary_and_large_frames(proxied):
    client = await proxied()
    async with client.ws_connect("/up/ws", max_msg_size=0, origin=f"http://{client.host}:{client.port}") as ws:
        await ws.send_str("hello")
        assert (await ws.receive_str()) == "hello"
        big = bytes(range(256)) * (6 * 1024 * 1024 // 256)  # 6 MiB, as Butterfly sends
        await ws.send_bytes(big)
        assert (await ws.receive_bytes()) == big


async def test_websocket_from_own_origin_passes_and_upstream_sees_its_own(proxied, upstream):
    client = await proxied()
    origin = f"http://{client.host}:{client.port}"
    async with client.ws_connect("/up/ws", headers={"Origin": origin}) as ws:
        await ws.send_str("origin?")
        assert (await ws.receive_str()) == f"http://127.0.0.1:{upstream.port}"


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "https://127.0.0.1", "http://127.0.0.1.evil"])
async def test_cross_origin_websocket_refused_without_reaching_upstream(proxied, upstream_ws_connects, origin):
    client = await proxied()
    with pytest.raises(aiohttp.WSServerHandshakeError) as error:
        await client.ws_connect("/up/ws", headers={"Origin": origin})
    assert error.value.status == 403
    assert not upstream_ws_connects


async def test_extra_allowed_origin(proxied):
    client = await proxied(allowed_origins=("https://portal.example",))
    async with client.ws_connect("/up/ws", headers={"Origin": "https://portal.example"}) as ws:
        await ws.send_str("ok")
        assert await ws.receive_str() == "ok"


async def test_unauthenticated_websocket_refused_without_reaching_upstream(
    labdeck_client, upstream, upstream_ws_connects, proxy_plugin
):
    client = await labdeck_client({"p": proxy_plugin(f"http://127.0.0.1:{upstream.port}/base/")})
    with pytest.raises(aiohttp.WSServerHandshakeError) as error:
        await client.ws_connect("/up/ws", origin=f"http://{client.host}:{client.port}")
    assert error.value.status == 401
    assert not upstream_ws_connects


async def test_a_browser_that_leaves_mid_answer_is_no_error(proxied, caplog):
    """A tab closed while a large answer streams is everyday life, not an error with a traceback."""
    import asyncio
    import logging

    caplog.set_level(logging.DEBUG)
    client = await proxied()
    response = await client.get("/up/big", params={"n": str(64 * 1024 * 1024)})
    await response.content.read(65536)
    response.close()  # the browser goes away with most of the answer unsent
    await asyncio.sleep(0.5)  # let the proxy notice; what is checked is that nothing was logged as an error
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
