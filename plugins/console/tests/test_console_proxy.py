"""The Console tab's upstream, proxied in process: sign-in, credentials, cookies, framing,
WebSocket, and what an unreachable console looks like."""

from __future__ import annotations

import labdeck_console
from labdeck_testing import TEST_TOKEN, labdeck_login

PREFIX = "/user/alice/"
CONSOLE = PREFIX + "console/"


async def make_client(labdeck_client, environ, **settings):
    client = await labdeck_client({"console": labdeck_console}, environ=environ, prefix=PREFIX, **settings)
    return client


async def test_console_is_reachable_only_when_signed_in(labdeck_client, console):
    client = await make_client(labdeck_client, {"CONSOLE_URL": console.url})
    anonymous = await client.get(CONSOLE, allow_redirects=False)
    assert anonymous.status == 401
    assert "Fake console" not in await anonymous.text()
    assert console.seen == []

    await labdeck_login(client)
    page = await client.get(CONSOLE)  # console's own login redirect, cookie, and back
    assert page.status == 200
    assert "<h1>Fake console</h1>" in await page.text()
    assert [r["path"] for r in console.seen] == ["/ui/", "/ui/auth/login", "/ui/"]
    assert [str(r.url.path) for r in page.history] == [CONSOLE, CONSOLE + "auth/login"]
    assert page.history[0].headers["Location"] == CONSOLE + "auth/login"
    assert page.history[1].headers["Set-Cookie"].startswith(f"console-session=yes; HttpOnly; Path={CONSOLE};")


async def test_the_bearer_token_goes_upstream_and_our_credentials_do_not(labdeck_client, console):
    client = await make_client(labdeck_client, {"CONSOLE_URL": console.url, "LABDECK_CONSOLE_TOKEN": "sa-token-1"})
    await labdeck_login(client)
    client.session.cookie_jar.update_cookies({"theirs": "kept"})
    answer = await (await client.get(CONSOLE + "echo", headers={"Authorization": "Basic YWxpY2U6c2VjcmV0"})).json()
    assert answer["headers"]["Authorization"] == "Bearer sa-token-1"
    assert answer["cookies"] == {"theirs": "kept"}
    assert TEST_TOKEN not in str(answer)
    assert "labdeck" not in answer["headers"].get("Cookie", "")


async def test_the_console_may_be_framed_by_labdeck_only(labdeck_client, console):
    client = await make_client(labdeck_client, {"CONSOLE_URL": console.url})
    await labdeck_login(client)
    page = await client.get(CONSOLE)
    assert page.status == 200
    assert "X-Frame-Options" not in page.headers
    assert page.headers.getall("Content-Security-Policy") == ["object-src 'none'", "frame-ancestors 'self'"]


async def test_websocket_traffic_passes_with_the_token(labdeck_client, console):
    client = await make_client(labdeck_client, {"CONSOLE_URL": console.url, "LABDECK_CONSOLE_TOKEN": "sa-token-1"})
    await labdeck_login(client)
    origin = f"http://{client.host}:{client.port}"
    async with client.ws_connect(CONSOLE + "ws", headers={"Origin": origin}) as ws:
        await ws.send_str("ping")
        assert await ws.receive_str() == "pong to ping with a bearer token"


async def test_a_websocket_from_another_origin_is_refused(labdeck_client, console):
    client = await make_client(labdeck_client, {"CONSOLE_URL": console.url})
    await labdeck_login(client)
    response = await client.get(CONSOLE + "ws", headers={
        "Origin": "https://evil.example", "Connection": "Upgrade", "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    assert response.status == 403
    assert console.seen == []


async def test_an_unreachable_console_gives_a_readable_502_page(labdeck_client, free_port):
    client = await make_client(labdeck_client, {"CONSOLE_URL": f"http://127.0.0.1:{free_port}/ui"},
                               proxy_connect_retry=0.0)
    await labdeck_login(client)
    page = await client.get(CONSOLE)
    assert page.status == 502
    assert page.content_type == "text/html"
    text = await page.text()
    assert "Console is not answering" in text
    assert "tries again" in text


async def test_a_changed_token_file_is_read_again(labdeck_client, console, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("first-token\n")
    client = await make_client(labdeck_client, {"CONSOLE_URL": console.url,
                                                "LABDECK_CONSOLE_TOKEN_FILE": str(token_file)})
    await labdeck_login(client)
    first = await (await client.get(CONSOLE + "echo")).json()
    # replaced the way Kubernetes rotates a projected token: a new file moved into place
    (tmp_path / "token.new").write_text("second-token-which-is-longer\n")
    (tmp_path / "token.new").replace(token_file)
    second = await (await client.get(CONSOLE + "echo")).json()
    assert first["headers"]["Authorization"] == "Bearer first-token"
    assert second["headers"]["Authorization"] == "Bearer second-token-which-is-longer"


async def test_a_missing_token_file_sends_no_token_and_says_so(labdeck_client, console, tmp_path, caplog):
    client = await make_client(labdeck_client, {"CONSOLE_URL": console.url,
                                                "LABDECK_CONSOLE_TOKEN_FILE": str(tmp_path / "absent")})
    await labdeck_login(client)
    for _ in range(2):
        answer = await (await client.get(CONSOLE + "echo")).json()
        assert "Authorization" not in answer["headers"]
    assert sum("cannot read the token file" in r.getMessage() for r in caplog.records) == 1
