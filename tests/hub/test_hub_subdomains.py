"""JupyterHub with ``subdomain_host`` (HUB_SUBDOMAIN_HOST): each attendee's labdeck on a host of its
own, so one attendee's pages cannot script another's. The hub is http://localhost:PORT/, alice's
server http://alice.localhost:PORT/user/alice/ (configurable-http-proxy routing by host); the test's
client resolves ``*.localhost`` to 127.0.0.1 as browsers do (this machine's resolver does not)."""

import asyncio
from urllib.parse import urlsplit

import aiohttp
import pytest
from hub_harness import start_hub
from yarl import URL


@pytest.fixture(scope="module")
def hub(request):
    hub = start_hub(["alice", "bob"], env={"IDLE_TIMEOUT": "0"}, subdomains=True)
    yield hub
    hub.stop(keep=request.session.testsfailed > 0)


def own_host(hub, user: str) -> str:
    parts = urlsplit(hub.url)
    return f"{parts.scheme}://{user}.{parts.hostname}:{parts.port}"


async def test_alice_signs_in_on_her_own_host(hub, browser_for):
    await hub.start("alice")
    alice = await browser_for(hub, "alice")
    start = own_host(hub, "alice") + "/user/alice/example/"
    async with alice.session.get(start) as response:
        text = await response.text()
        visited = [str(r.url) for r in response.history] + [str(response.url)]
        set_cookies = [h for r in response.history for h in r.headers.getall("Set-Cookie", ())
                       if h.startswith("labdeck-session-")]
    assert text.startswith("hello, alice (visit "), hub.tail()
    assert visited[-1] == start
    # the hub's authorize on the hub's host; the callback on alice's own host, as the spawner registered it
    assert any(url.startswith(hub.url + "hub/api/oauth2/authorize?") for url in visited), visited
    assert any(url.startswith(own_host(hub, "alice") + "/user/alice/oauth_callback?") for url in visited), visited
    # labdeck's session cookie names no Domain: the browser keeps it for alice.localhost alone
    assert len(set_cookies) == 1 and "domain=" not in set_cookies[0].lower(), set_cookies
    assert "Path=/user/alice/" in set_cookies[0]
    assert any(k.startswith("labdeck-session-")
               for k in alice.session.cookie_jar.filter_cookies(URL(own_host(hub, "alice") + "/user/alice/")))
    assert not any(k.startswith("labdeck-session-")
                   for k in alice.session.cookie_jar.filter_cookies(URL(own_host(hub, "bob") + "/user/alice/")))


async def test_bob_cannot_open_alices_labdeck(hub, browser_for):
    await hub.start("alice")
    bob = await browser_for(hub, "bob")
    status, _, text = await bob.get(own_host(hub, "alice") + "/user/alice/example/")
    assert status == 403 and "hello" not in text


async def test_a_page_on_bobs_host_cannot_open_a_websocket_to_alices_labdeck(hub, browser_for):
    """What a script in bob's notes could try, with alice's cookies (the browser sends them): the
    WebSocket's Origin is bob's host, which is not alice's labdeck's own origin."""
    await hub.start("alice")
    alice = await browser_for(hub, "alice")
    mine = own_host(hub, "alice")
    status, _, _ = await alice.get(mine + "/user/alice/example/")
    assert status == 200
    ws_url = mine.replace("http", "ws", 1) + "/user/alice/upstream/ws"
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await alice.session.ws_connect(ws_url, headers={"Origin": own_host(hub, "bob")})
    assert refused.value.status == 403
    ws = await alice.session.ws_connect(ws_url, headers={"Origin": mine})  # her own page may
    await ws.send_str("echo\n")
    assert (await asyncio.wait_for(ws.receive(), 10)).data == "echo\n"
    await ws.close()
