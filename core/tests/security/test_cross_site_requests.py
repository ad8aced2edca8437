"""A page of another site cannot make the browser act for its user: no cross-site POST (with
the cookie or Basic credentials the browser adds) reaches a route or an upstream, and a link
alone never signs anyone out."""

import base64

import pytest

from labdeck_testing import labdeck_login

BASIC = {"Authorization": "Basic " + base64.b64encode(b"eve:s3cret").decode()}
CROSS_SITE = [{"Origin": "https://evil.example"}, {"Origin": "null"},
              {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site", "Origin": "http://x.127.0.0.1"}]


@pytest.mark.parametrize("browser", CROSS_SITE)
async def test_cross_site_form_post_is_refused(labdeck_client, proxy_plugin, upstream, browser):
    up = proxy_plugin(f"http://127.0.0.1:{upstream.port}/base/", headers={"Authorization": "Bearer console"})
    client = await labdeck_client({"up": up}, auth_username="eve", auth_password="s3cret")
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        response = await client.request(method, "/up/echo", headers={**BASIC, **browser}, data=b"x=1")
        assert response.status == 403, method
    assert (await client.post("/-/logout", headers={**BASIC, **browser})).status == 403


async def test_own_origin_and_allowed_origins_may_post(proxied):
    client = await proxied(allowed_origins=("https://portal.example",))
    own = f"http://{client.host}:{client.port}"
    for headers in ({"Origin": own}, {"Sec-Fetch-Site": "same-origin", "Origin": "null"},
                    {"Origin": "https://portal.example", "Sec-Fetch-Site": "cross-site"}, {}):
        assert (await client.post("/up/echo", data=b"x", headers=headers)).status == 200, headers


async def test_cross_site_sign_in_post_is_refused(labdeck_client):
    from labdeck_testing import TEST_TOKEN

    client = await labdeck_client()
    response = await client.post("/-/login", data={"token": TEST_TOKEN}, headers={"Origin": "https://evil.example"},
                                 allow_redirects=False)
    assert response.status == 403


async def test_sign_out_link_from_another_site_does_not_sign_out(labdeck_client):
    client = await labdeck_client()
    await labdeck_login(client)
    page = await client.get("/-/logout", headers={"Sec-Fetch-Site": "cross-site"})
    assert page.status == 200 and '<form method="post"' in await page.text()
    assert (await client.get("/")).status == 200
    assert (await client.post("/-/logout", headers={"Sec-Fetch-Site": "same-origin"})).status == 200
    assert (await client.get("/")).status == 401
