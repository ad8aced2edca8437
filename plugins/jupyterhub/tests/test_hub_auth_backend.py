"""The ``jupyterhub`` auth backend in-process, without a hub: what it refuses before any hub answers."""

from urllib.parse import parse_qs, urlsplit

import pytest

from labdeck import SettingsError
from labdeck.auth.jupyterhub import scope_grants
from labdeck.keys import AUTH_BACKEND
from labdeck.testing import make_app

PREFIX = "/user/alice/"
HUB_ENV = {
    "JUPYTERHUB_CLIENT_ID": "jupyterhub-user-alice",
    "JUPYTERHUB_API_TOKEN": "api-token-for-tests",
    "JUPYTERHUB_API_URL": "http://127.0.0.1:9/hub/api",  # nothing listens: the hub "is down"
    "JUPYTERHUB_BASE_URL": "/",
    "JUPYTERHUB_OAUTH_CALLBACK_URL": PREFIX + "oauth_callback",
    "JUPYTERHUB_OAUTH_ACCESS_SCOPES": '["access:servers!server=alice/", "access:servers!user=alice"]',
    "JUPYTERHUB_SERVICE_PREFIX": PREFIX,
}


@pytest.fixture
def hub_env(monkeypatch):
    for name, value in HUB_ENV.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_refuses_to_start_without_access_scopes(hub_env):
    hub_env.delenv("JUPYTERHUB_OAUTH_ACCESS_SCOPES")
    with pytest.raises(SettingsError, match="JUPYTERHUB_OAUTH_ACCESS_SCOPES"):
        make_app(auth="jupyterhub", prefix=PREFIX)
    hub_env.setenv("JUPYTERHUB_OAUTH_ACCESS_SCOPES", "[]")
    with pytest.raises(SettingsError, match="JUPYTERHUB_OAUTH_ACCESS_SCOPES"):
        make_app(auth="jupyterhub", prefix=PREFIX)


@pytest.mark.parametrize(("held", "required", "granted"), [
    ("access:servers!server=alice/", "access:servers!server=alice/", True),
    ("access:servers", "access:servers!server=alice/", True),  # an admin's unfiltered scope
    ("access:servers!user=alice", "access:servers!server=alice/", True),
    ("access:servers!user=bob", "access:servers!server=alice/", False),
    ("access:servers!server=alice/", "access:servers!server=alice/x", False),
    ("access:servers!server=alicex/", "access:servers!server=alice/", False),
    ("access:services", "access:servers!server=alice/", False),
    ("access:servers!group=tutors", "access:servers!server=alice/", False),  # groups are not resolved
])
def test_scope_matching(held, required, granted):
    assert scope_grants(held, required) is granted


async def sign_in_start(client):
    """A browser visit without a session: where it is sent, and the state in that URL."""
    response = await client.get(PREFIX + "notes/", headers={"Accept": "text/html"}, allow_redirects=False)
    assert response.status == 302
    target = urlsplit(response.headers["Location"])
    return target, parse_qs(target.query)["state"][0]


async def test_browser_is_sent_to_the_hub_with_pkce_and_state(hub_env, aiohttp_client):
    client = await aiohttp_client(make_app(auth="jupyterhub", prefix=PREFIX))
    target, _ = await sign_in_start(client)
    query = parse_qs(target.query)
    assert target.path == "/hub/api/oauth2/authorize"
    assert query["client_id"] == ["jupyterhub-user-alice"]
    assert query["redirect_uri"] == [PREFIX + "oauth_callback"]
    assert query["code_challenge_method"] == ["S256"]
    api = await client.get(PREFIX + "notes/", allow_redirects=False)  # not a browser: no redirect
    assert api.status == 401


async def test_state_from_another_browser_is_refused(hub_env, aiohttp_client):
    client = await aiohttp_client(make_app(auth="jupyterhub", prefix=PREFIX))
    _, state = await sign_in_start(client)
    client.session.cookie_jar.clear()  # the attacker's browser has no state cookie
    response = await client.get(f"{PREFIX}oauth_callback?code=stolen&state={state}", allow_redirects=False)
    assert response.status == 400
    assert not any(name.startswith("labdeck-session") for name in response.cookies)


async def test_state_is_accepted_once(hub_env, aiohttp_client):
    client = await aiohttp_client(make_app(auth="jupyterhub", prefix=PREFIX))
    _, state = await sign_in_start(client)
    cookies = {c.key: c.value for c in client.session.cookie_jar}
    first = await client.get(f"{PREFIX}oauth_callback?code=c1&state={state}", allow_redirects=False)
    assert first.status == 502  # state accepted; then the hub could not be reached
    replay = await client.get(f"{PREFIX}oauth_callback?code=c2&state={state}", cookies=cookies,
                              allow_redirects=False)
    assert replay.status == 400


async def test_readiness_poll_is_public_and_says_nothing(hub_env, aiohttp_client):
    client = await aiohttp_client(make_app(auth="jupyterhub", prefix=PREFIX))
    response = await client.get(PREFIX + "api")
    assert response.status == 200
    assert await response.json() == {}


async def test_logout_clears_the_session_and_goes_to_the_hub(hub_env, aiohttp_client):
    app = make_app(auth="jupyterhub", prefix=PREFIX)
    client = await aiohttp_client(app)
    sessions = app[AUTH_BACKEND].sessions
    client.session.cookie_jar.update_cookies({sessions.name: sessions.sign({"u": "alice", "b": "jupyterhub"})})
    assert (await client.get(PREFIX + "api/nothing-here")).status == 404  # signed in: no redirect
    response = await client.get(PREFIX + "-/logout", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/hub/logout"
    assert response.cookies[sessions.name].value == ""
