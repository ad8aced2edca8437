"""DNS rebinding: a page of evil.example whose name now points at 127.0.0.1 reaches a labdeck
listening on loopback, as its own origin. Only our host names are served there."""

import aiohttp
import pytest


@pytest.mark.parametrize("path", ["/", "/-/health"])
async def test_dns_rebinding_host_is_refused(labdeck_client, path):
    client = await labdeck_client(auth="none")  # on a workstation: 127.0.0.1, no sign-in
    evil = {"Host": f"evil.example:{client.port}", "Origin": f"http://evil.example:{client.port}"}
    assert (await client.get(path, headers=evil)).status == 421
    with pytest.raises(aiohttp.WSServerHandshakeError) as error:
        await client.ws_connect(path, headers=evil)
    assert error.value.status == 421


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "lab.localhost", "127.0.0.1", "[::1]", "10.1.2.3",
                                  "lab.example"])
async def test_our_names_and_addresses_pass(labdeck_client, host):
    client = await labdeck_client(auth="none", allowed_hosts=("Lab.Example",))
    assert (await client.get("/", headers={"Host": f"{host}:{client.port}"})).status == 200


async def test_behind_a_router_any_host_passes(labdeck_client):
    client = await labdeck_client(host="0.0.0.0", auth_username="eve", auth_password="s3cret")
    assert (await client.get("/-/health", headers={"Host": "workshop.example.org"})).status == 200


async def test_trusted_proxy_routes_by_its_forwarded_host(labdeck_client):
    client = await labdeck_client(auth="none", trusted_proxies=("127.0.0.1",))
    routed = {"Host": "workshop.example.org", "X-Forwarded-Host": "workshop.example.org"}
    assert (await client.get("/", headers=routed)).status == 200
    assert (await client.get("/", headers={"Host": "workshop.example.org"})).status == 421
