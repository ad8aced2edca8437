"""Attacks on the hub sign-in, in-process against a small stand-in of the hub's token and ``/user``
endpoints (tests/hub/ runs the same against a real JupyterHub): a service's token passed off as a
user's, a token the hub deleted, the hub down during a re-check, a forged ``Host``."""

from __future__ import annotations

import asyncio
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web

import labdeck_jupyterhub
from labdeck_testing import make_app

PREFIX = "/user/alice/"
SCOPE = "access:servers!server=alice/"
HTML = {"Accept": "text/html"}


class FakeHub:
    """The hub's token endpoint (this server's client only) and ``/user`` (the model per token)."""

    def __init__(self):
        self.codes: dict[str, dict] = {}  # code -> the /user model its token will answer with
        self.tokens: dict[str, dict] = {}
        self.user_status = 200

    def app(self) -> web.Application:
        async def token(request):
            form = await request.post()
            if (form.get("client_id"), form.get("client_secret")) != ("jupyterhub-user-alice", "api-token"):
                return web.json_response({"error": "invalid_client"}, status=401)
            model = self.codes.pop(form.get("code"), None)
            if model is None:
                return web.json_response({"error": "invalid_grant"}, status=400)
            access = secrets.token_urlsafe(16)
            self.tokens[access] = model
            return web.json_response({"access_token": access, "token_type": "Bearer"})

        async def user(request):
            model = self.tokens.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
            if model is None:
                return web.json_response({"status": 403, "message": "Forbidden"}, status=403)
            if self.user_status != 200:
                return web.json_response({"status": self.user_status}, status=self.user_status)
            return web.json_response(model)

        async def root(request):
            return web.json_response({"version": "6.1.1"})

        app = web.Application()
        app.router.add_post("/hub/api/oauth2/token", token)
        app.router.add_get("/hub/api/user", user)
        app.router.add_get("/hub/api/", root)
        return app


@pytest.fixture
async def hub(aiohttp_server):
    fake = FakeHub()
    server = await aiohttp_server(fake.app())
    fake.server = server
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


def environ(hub_url: str, **extra: str) -> dict[str, str]:
    return {
        "JUPYTERHUB_CLIENT_ID": "jupyterhub-user-alice",
        "JUPYTERHUB_API_TOKEN": "api-token",
        "JUPYTERHUB_API_URL": hub_url + "/hub/api",
        "JUPYTERHUB_OAUTH_CALLBACK_URL": PREFIX + "oauth_callback",
        "JUPYTERHUB_OAUTH_ACCESS_SCOPES": f'["{SCOPE}", "access:servers!user=alice"]',
        "JUPYTERHUB_SERVICE_PREFIX": PREFIX,
        **extra,
    }


async def sign_in(client, hub: FakeHub, model: dict):
    """The browser's round trip, the hub's authorize page left out: its code comes back with our state."""
    response = await client.get(PREFIX + "page", headers=HTML, allow_redirects=False)
    assert response.status == 302
    state = parse_qs(urlsplit(response.headers["Location"]).query)["state"][0]
    code = secrets.token_urlsafe(8)
    hub.codes[code] = model
    return await client.get(f"{PREFIX}oauth_callback?code={code}&state={state}", allow_redirects=False)


ALICE = {"kind": "user", "name": "alice", "groups": [], "scopes": [SCOPE, "read:users:name!user=alice"]}


@pytest.fixture
def labdeck(aiohttp_client, hub):
    async def start(**settings):
        app = make_app({"jupyterhub": labdeck_jupyterhub}, environ=environ(hub.url),
                       jupyterhub_recheck_interval=1.0, **settings)
        return await aiohttp_client(app)

    return start


async def test_owner_signs_in_through_the_hub_stand_in(labdeck, hub):
    client = await labdeck()
    response = await sign_in(client, hub, ALICE)
    assert response.status == 302 and response.headers["Location"] == PREFIX + "page"
    assert (await client.get(PREFIX + "page", allow_redirects=False)).status == 404  # let through


async def test_attack_a_hub_services_token_is_not_a_user(labdeck, hub):
    """A token whose owner is a hub service (with access scopes) is no attendee: refused."""
    client = await labdeck()
    response = await sign_in(client, hub, {**ALICE, "kind": "service", "name": "alice"})
    assert response.status == 403 and "not accepted" in await response.text()
    assert (await client.get(PREFIX + "page", allow_redirects=False)).status == 401


async def test_attack_token_deleted_at_the_hub_ends_the_session_within_the_recheck_interval(labdeck, hub):
    client = await labdeck()
    assert (await sign_in(client, hub, ALICE)).status == 302
    hub.tokens.clear()  # alice signed out at the hub (it deletes her session's tokens), or was deleted
    assert (await client.get(PREFIX + "page", allow_redirects=False)).status == 404
    await asyncio.sleep(1.1)
    assert (await client.get(PREFIX + "page", allow_redirects=False)).status == 401
    response = await client.get(PREFIX + "page", headers=HTML, allow_redirects=False)
    assert response.status == 302 and "/hub/api/oauth2/authorize?" in response.headers["Location"]


async def test_attack_access_scope_lost_at_the_hub_is_refused_within_the_recheck_interval(labdeck, hub):
    client = await labdeck()
    assert (await sign_in(client, hub, {**ALICE, "name": "instructor", "scopes": ["access:servers"]})).status == 302
    [token] = hub.tokens
    hub.tokens[token] = {**ALICE, "name": "instructor", "scopes": []}  # no longer an admin
    await asyncio.sleep(1.1)
    response = await client.get(PREFIX + "page", headers=HTML, allow_redirects=False)
    assert response.status == 403 and "<strong>instructor</strong>" in await response.text()


async def test_hub_down_at_a_recheck_locks_nobody_out(labdeck, hub):
    client = await labdeck()
    assert (await sign_in(client, hub, ALICE)).status == 302
    hub.user_status = 502  # the hub restarting behind its proxy
    await asyncio.sleep(1.1)
    assert (await client.get(PREFIX + "page", allow_redirects=False)).status == 404  # still in, within the grace
    await hub.server.close()  # gone altogether
    await asyncio.sleep(1.1)
    assert (await client.get(PREFIX + "page", allow_redirects=False)).status == 404


@pytest.mark.parametrize("callback", [PREFIX + "oauth_callback",  # the hub on this host: a path
                                      "http://alice.hub.example:8000/user/alice/oauth_callback"])  # subdomain_host
async def test_attack_forged_host_gets_no_redirect_uri_on_that_host(aiohttp_client, callback):
    app = make_app({"jupyterhub": labdeck_jupyterhub}, host="0.0.0.0", trusted_proxies=("*",),
                   environ=environ("http://127.0.0.1:9", JUPYTERHUB_OAUTH_CALLBACK_URL=callback))
    client = await aiohttp_client(app)
    for forged in ({"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"}):
        response = await client.get(PREFIX + "page", headers={**HTML, **forged}, allow_redirects=False)
        assert response.status == 302
        assert parse_qs(urlsplit(response.headers["Location"]).query)["redirect_uri"] == [callback]
        assert "evil.example" not in response.headers["Location"]
