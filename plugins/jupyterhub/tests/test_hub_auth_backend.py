"""The ``jupyterhub`` auth backend in-process, without a hub: what it refuses before any hub answers.
(tests/hub/ runs it under a real JupyterHub.)"""

from urllib.parse import parse_qs, urlsplit

import pytest

import labdeck_jupyterhub
from labdeck import Principal, SettingsError
from labdeck.app import AUTH_BACKEND
from labdeck.auth import available_backends, choose_backend
from labdeck.plugins import make_plugin_manager
from labdeck_jupyterhub import JupyterHubAuth, scope_grants
from labdeck_oauth import SignedIn
from labdeck_testing import make_app, make_settings

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


def hub_app(environ=HUB_ENV, **settings):
    """labdeck as the spawner starts it: the hub's variables in the environment, no ``--auth``."""
    return make_app({"jupyterhub": labdeck_jupyterhub}, environ=environ, **settings)


def test_chosen_by_the_spawners_client_id():
    pm = make_plugin_manager(discover=False, extra={"jupyterhub": labdeck_jupyterhub})
    environ = {**HUB_ENV, "AUTH_USERNAME": "ann", "AUTH_PASSWORD": "pw"}
    assert choose_backend(make_settings(pm, environ), available_backends(pm)) is JupyterHubAuth
    assert choose_backend(make_settings(pm, {}), available_backends(pm)).name == "token"
    assert type(hub_app()[AUTH_BACKEND]) is JupyterHubAuth


def test_refuses_to_start_without_access_scopes():
    environ = {k: v for k, v in HUB_ENV.items() if k != "JUPYTERHUB_OAUTH_ACCESS_SCOPES"}
    with pytest.raises(SettingsError, match="JUPYTERHUB_OAUTH_ACCESS_SCOPES"):
        hub_app(environ)
    with pytest.raises(SettingsError, match="JUPYTERHUB_OAUTH_ACCESS_SCOPES"):
        hub_app({**environ, "JUPYTERHUB_OAUTH_ACCESS_SCOPES": "[]"})


def test_refuses_to_start_without_the_api_token():
    environ = {k: v for k, v in HUB_ENV.items() if k != "JUPYTERHUB_API_TOKEN"}
    with pytest.raises(SettingsError, match="JUPYTERHUB_API_TOKEN"):
        hub_app(environ)


def test_api_token_is_a_secret():
    settings = hub_app()[AUTH_BACKEND].deck.settings
    assert settings.secrets()["JUPYTERHUB_API_TOKEN"] == "api-token-for-tests"
    assert "api-token-for-tests" not in repr(settings) and "'api_token': '***'" in repr(settings)


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


async def test_browser_is_sent_to_the_hub_with_pkce_and_state(aiohttp_client):
    client = await aiohttp_client(hub_app())
    target, _ = await sign_in_start(client)
    query = parse_qs(target.query)
    assert target.path == "/hub/api/oauth2/authorize"
    assert query["client_id"] == ["jupyterhub-user-alice"]
    assert query["redirect_uri"] == [PREFIX + "oauth_callback"]
    assert query["code_challenge_method"] == ["S256"]
    api = await client.get(PREFIX + "notes/", allow_redirects=False)  # not a browser: no redirect
    assert api.status == 401


async def test_state_from_another_browser_is_refused(aiohttp_client):
    client = await aiohttp_client(hub_app())
    _, state = await sign_in_start(client)
    client.session.cookie_jar.clear()  # the attacker's browser has no state cookie
    response = await client.get(f"{PREFIX}oauth_callback?code=stolen&state={state}", allow_redirects=False)
    assert response.status == 400
    assert not any(name.startswith("labdeck-session") for name in response.cookies)


async def test_state_is_accepted_once(aiohttp_client):
    client = await aiohttp_client(hub_app())
    _, state = await sign_in_start(client)
    cookies = {c.key: c.value for c in client.session.cookie_jar}
    first = await client.get(f"{PREFIX}oauth_callback?code=c1&state={state}", allow_redirects=False)
    assert first.status == 502  # state accepted; then the hub could not be reached
    replay = await client.get(f"{PREFIX}oauth_callback?code=c2&state={state}", cookies=cookies,
                              allow_redirects=False)
    assert replay.status == 400


async def test_readiness_poll_is_public_and_says_nothing(aiohttp_client):
    client = await aiohttp_client(hub_app())
    response = await client.get(PREFIX + "api")
    assert response.status == 200
    assert await response.json() == {}


def signed_in_as(app, client, name: str, scopes: tuple[str, ...]) -> None:
    """Give the test client the session cookie a sign-in through the hub would have set."""
    backend = app[AUTH_BACKEND]
    value = backend.new_session(SignedIn(Principal(name, "jupyterhub"), scopes))
    client.session.cookie_jar.update_cookies({backend.sessions.name: value})


async def test_logout_clears_the_session_and_goes_to_the_hub(aiohttp_client):
    app = hub_app()
    client = await aiohttp_client(app)
    sessions = app[AUTH_BACKEND].sessions
    signed_in_as(app, client, "alice", ("access:servers!server=alice/",))
    assert (await client.get(PREFIX + "api/nothing-here")).status == 404  # signed in: no redirect
    response = await client.post(PREFIX + "-/logout", headers={"Sec-Fetch-Site": "same-origin"}, allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/hub/logout"
    assert response.cookies[sessions.name].value == ""


@pytest.mark.parametrize(("scopes", "status"), [
    (("access:servers!server=alice/",), 404),  # the owner: let through (to a page that does not exist)
    (("access:servers",), 404),  # an admin the hub lets in
    ((), 403),  # signed in at the hub, but this server is not theirs
    (("access:servers!server=bob/",), 403),
])
async def test_only_a_session_holding_an_access_scope_enters(aiohttp_client, scopes, status):
    app = hub_app()
    client = await aiohttp_client(app)
    signed_in_as(app, client, "bob", scopes)
    response = await client.get(PREFIX + "api/nothing-here", headers={"Accept": "text/html"}, allow_redirects=False)
    assert response.status == status
    if status == 403:
        text = await response.text()
        assert "<strong>bob</strong>" in text and f'href="{PREFIX}-/logout"' in text
        # signing out is never refused
        signed_out = await client.post(PREFIX + "-/logout", headers={"Sec-Fetch-Site": "same-origin"},
                                       allow_redirects=False)
        assert signed_out.status == 302
