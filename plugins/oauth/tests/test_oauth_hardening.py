"""Attacks on a session after sign-in, and on how the callback URL is made (the "hard to break" issue):
a user revoked at the provider, a group lost, the provider down during a re-check, a cookie kept past a
restart, a forged ``Host``. Against the local stand-in of conftest.py."""

from __future__ import annotations

import asyncio
import functools
from urllib.parse import parse_qs, urlsplit

import pytest

import labdeck_oauth
from labdeck.app import AUTH_BACKEND
from labdeck.settings import SettingsError
from labdeck_testing import make_app

PAGE = "/probe/"
HTML = {"Accept": "text/html"}
REDIRECT = "https://labdeck.example/oauth_callback"


@pytest.fixture
def oidc_labdeck(oidc_labdeck):
    """conftest's OIDC labdeck, re-checking with the provider every second."""
    return functools.partial(oidc_labdeck, oauth_redirect_url=REDIRECT, oauth_recheck_interval=1.0)


async def test_attack_user_revoked_at_the_provider_loses_access_within_the_recheck_interval(
        oidc_labdeck, cluster, tools):
    client = await oidc_labdeck(oauth_allowed_users=("id-dave",))
    assert (await tools.sign_in(client, cluster, "dave", PAGE)).status == 200
    cluster.tokens.clear()  # the provider revokes dave's tokens (signed out there, or removed)
    cluster.refresh_tokens.clear()
    assert (await client.get(PAGE, headers=HTML)).status == 200  # within the interval: not asked yet
    await asyncio.sleep(1.1)
    response = await client.get(PAGE, headers=HTML, allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith(cluster.url + "/oauth/authorize?")
    assert (await client.get(PAGE, allow_redirects=False)).status == 401  # a script's request: no redirect


async def test_attack_user_removed_from_the_allowed_group_loses_access_within_the_recheck_interval(
        oidc_labdeck, cluster, tools):
    client = await oidc_labdeck(oauth_allowed_groups=("teachers",))
    assert await (await tools.sign_in(client, cluster, "carol", PAGE)).text() == "hello carol"
    cluster.groups["carol"] = []
    await asyncio.sleep(1.1)
    response = await client.get(PAGE, headers=HTML, allow_redirects=False)
    assert response.status == 403 and "<strong>carol</strong>" in await response.text()


async def test_provider_briefly_down_at_a_recheck_locks_nobody_out_then_503_past_the_grace(
        oidc_labdeck, cluster, tools, caplog):
    client = await oidc_labdeck(oauth_allowed_users=("id-dave",), oauth_recheck_grace=2.0)
    assert (await tools.sign_in(client, cluster, "dave", PAGE)).status == 200
    cluster.userinfo_status = 503
    await asyncio.sleep(1.1)
    assert await (await client.get(PAGE, headers=HTML)).text() == "hello dave"  # the last answer holds
    assert "could not re-check the session of dave" in caplog.text
    await asyncio.sleep(2.1)  # past interval + grace without an answer
    response = await client.get(PAGE, headers=HTML, allow_redirects=False)
    assert response.status == 503 and "hello" not in await response.text()
    cluster.userinfo_status = 200  # back: the next try (after the retry pause) lets dave in again
    await asyncio.sleep(1.1)
    assert await (await client.get(PAGE, headers=HTML)).text() == "hello dave"


async def test_attack_cookie_kept_across_a_restart_is_not_trusted_past_the_recheck_interval(
        oidc_labdeck, cluster, tools):
    client = await oidc_labdeck(oauth_allowed_users=("id-dave",))
    assert (await tools.sign_in(client, cluster, "dave", PAGE)).status == 200
    client.server.app[AUTH_BACKEND]._grants.clear()  # the web process restarted: its memory is gone
    assert (await client.get(PAGE, headers=HTML)).status == 200  # the cookie vouches for a short while
    await asyncio.sleep(1.1)
    response = await client.get(PAGE, headers=HTML, allow_redirects=False)
    assert response.status == 302  # round the provider again, which would refuse a revoked user


async def test_attack_forged_host_gets_no_redirect_uri_on_that_host(aiohttp_client, tools):
    settings = {"oauth_client_id": "c", "oauth_client_secret": "s", "oauth_allow_all": True,
                "oauth_authorize_url": "https://id.example/authorize", "oauth_token_url": "https://id.example/token"}
    with pytest.raises(SettingsError, match="LABDECK_OAUTH_REDIRECT_URL"):  # no fallback on the request's Host
        make_app(tools.plugins(), auth="oauth", **settings)
    # on all addresses behind a router (no Host check of core applies there), believing forwarded headers
    app = make_app(tools.plugins(), auth="oauth", oauth_redirect_url=REDIRECT, host="0.0.0.0", trusted_proxies=("*",),
                   **settings)
    client = await aiohttp_client(app)
    for forged in ({"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}):
        response = await client.get(PAGE, headers={**HTML, **forged}, allow_redirects=False)
        assert response.status == 302
        assert parse_qs(urlsplit(response.headers["Location"]).query)["redirect_uri"] == [REDIRECT]


@pytest.mark.parametrize(("url", "problem"), [
    ("/oauth_callback", "not an absolute"),
    ("https://labdeck.example/elsewhere/oauth_callback", "not a path under the prefix"),
    ("https://labdeck.example/workshop/", "not a path under the prefix"),
])
def test_redirect_url_must_be_an_absolute_url_under_the_prefix(url, problem):
    with pytest.raises(SettingsError, match=problem):
        make_app({"oauth": labdeck_oauth}, auth="oauth", prefix="/workshop/", oauth_client_id="c",
                 oauth_client_secret="s", oauth_allow_all=True, oauth_redirect_url=url,
                 oauth_authorize_url="https://id.example/a", oauth_token_url="https://id.example/t")


async def test_callback_path_follows_the_configured_redirect_url(aiohttp_client, cluster, tools):
    cluster.oidc = True
    app = make_app(tools.plugins(), auth="oauth", oauth_client_id=cluster.client_id,
                   oauth_client_secret=cluster.sa_token, oauth_issuer=cluster.url, oauth_allow_all=True,
                   oauth_redirect_url="https://labdeck.example/sso/back")
    client = await aiohttp_client(app)
    response = await client.get(PAGE, headers=HTML, allow_redirects=False)
    assert parse_qs(urlsplit(response.headers["Location"]).query)["redirect_uri"] == ["https://labdeck.example/sso/back"]
    assert (await client.get("/sso/back?code=x&state=y", allow_redirects=False)).status == 400  # ours, refused


async def test_attack_openshift_token_revoked_ends_the_session(aiohttp_client, cluster, service_account_dir, tools):
    app = make_app(tools.plugins(), auth="openshift", oauth_service_account="labdeck",
                   oauth_serviceaccount_dir=service_account_dir, oauth_kubernetes_url=cluster.url,
                   oauth_redirect_url=REDIRECT, oauth_recheck_interval=1.0)
    client = await aiohttp_client(app)
    assert (await tools.sign_in(client, cluster, "alice", PAGE)).status == 200
    cluster.tokens.clear()  # `oc delete oauthaccesstoken`, or the user deleted
    await asyncio.sleep(1.1)
    assert (await client.get(PAGE, allow_redirects=False)).status == 401
