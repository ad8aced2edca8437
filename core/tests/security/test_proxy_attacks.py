"""What a client sends cannot steer a proxied upstream: no climbing out of the upstream's base
path with dot segments, no forged client address."""

import pytest
from yarl import URL

DOT_PATHS = ["/up/../x", "/up/./x", "/up/%2e%2e/x", "/up/%2E%2e/x", "/up/.%2e/x", "/up/a/..%2f..%2fx",
             "/up/..%5cx", "/up/a\\..\\..\\x", "/up/a/%2e%2e%5c%2e%2e%5cx"]


@pytest.mark.parametrize("path", DOT_PATHS)
async def test_dot_segments_never_reach_the_upstream(proxied, path):
    client = await proxied()
    url = URL(f"http://{client.host}:{client.port}{path}", encoded=True)
    async with client.session.get(url) as response:
        assert response.status in (400, 404), await response.text()


async def test_plain_dots_in_names_still_pass(proxied):
    client = await proxied()
    body = await (await client.get("/up/a..b/.hidden/x.y")).json()
    assert body["path"] == "/base/a..b/.hidden/x.y"


async def test_forged_client_address_headers_are_replaced(proxied):
    client = await proxied()
    forged = {"X-Forwarded-For": "6.6.6.6", "X-Real-IP": "6.6.6.6", "Forwarded": "for=6.6.6.6",
              "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https", "X-Forwarded-Port": "1"}
    headers = (await (await client.get("/up/echo", headers=forged)).json())["headers"]
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    assert "X-Real-IP" not in headers and "Forwarded" not in headers and "X-Forwarded-Port" not in headers
    assert headers["X-Forwarded-Host"] == f"{client.host}:{client.port}" and headers["X-Forwarded-Proto"] == "http"


async def test_trusted_proxy_chain_is_appended(proxied):
    client = await proxied(trusted_proxies=("127.0.0.1",))
    sent = {"X-Forwarded-For": "203.0.113.7", "X-Real-IP": "203.0.113.7", "X-Forwarded-Host": "lab.example",
            "X-Forwarded-Proto": "https"}
    headers = (await (await client.get("/up/echo", headers=sent)).json())["headers"]
    assert headers["X-Forwarded-For"] == "203.0.113.7, 127.0.0.1" and headers["X-Real-IP"] == "203.0.113.7"
    assert headers["X-Forwarded-Host"] == "lab.example" and headers["X-Forwarded-Proto"] == "https"
