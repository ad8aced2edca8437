"""OpenShift mode against a local stand-in of the cluster's OAuth server and API:
the service account as OAuth client, ``users/~``, and who may enter from the
project's role bindings (admin by user, admin by group, edit refused, API down)."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import aiohttp
import pytest

from labdeck_testing import make_app

PREFIX = "/workshop/"
PAGE = PREFIX + "probe/"
HTML = {"Accept": "text/html"}
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}  # sign-out is a POST from our own pages


@pytest.fixture
def labdeck(aiohttp_client, cluster, service_account_dir, tools):
    async def start(**settings):
        settings = {"oauth_redirect_url": tools.REDIRECT_HOST + PREFIX + "oauth_callback", **settings}
        app = make_app(tools.plugins(), auth="openshift", prefix=PREFIX, oauth_service_account="labdeck",
                       oauth_serviceaccount_dir=service_account_dir, oauth_kubernetes_url=cluster.url, **settings)
        return await aiohttp_client(app)

    return start


async def test_project_admin_signs_in_with_the_service_account_as_client(labdeck, cluster, tools):
    client = await labdeck()
    response = await tools.sign_in(client, cluster, "alice", PAGE)
    assert response.status == 200
    assert await response.text() == "hello alice"
    # the token endpoint saw system:serviceaccount:<project>:<name> with the pod's token as secret
    assert cluster.token_requests == [("system:serviceaccount:workshop:labdeck", True, "authorization_code")]
    assert cluster.client_auth == "post"  # as the original images did


async def test_admin_through_a_group_gets_in(labdeck, cluster, tools):
    client = await labdeck()
    response = await tools.sign_in(client, cluster, "carol", PAGE)  # admin only as a member of "teachers"
    assert await response.text() == "hello carol"


async def test_edit_only_user_sees_who_they_are_and_no_loop(labdeck, cluster, tools):
    client = await labdeck()
    response = await tools.sign_in(client, cluster, "dave", PAGE)
    assert response.status == 403
    text = await response.text()
    assert "<strong>dave</strong>" in text and f'href="{PREFIX}-/logout"' in text
    again = await client.get(PREFIX, headers=HTML, allow_redirects=False)
    assert again.status == 403  # a page, not a redirect back to the provider
    signed_out = await client.post(PREFIX + "-/logout", headers={**HTML, **SAME_ORIGIN})
    assert signed_out.status == 200 and "Signed out" in await signed_out.text()


async def test_losing_the_role_takes_effect_after_the_cache(labdeck, cluster, tools):
    client = await labdeck(oauth_access_cache=0.0)
    assert (await tools.sign_in(client, cluster, "carol", PAGE)).status == 200
    cluster.bindings = [b for b in cluster.bindings if b["subjects"][0]["name"] != "teachers"]
    assert (await client.get(PAGE, headers=HTML)).status == 403


async def test_cluster_api_unreachable_gives_503_not_a_way_in(labdeck, cluster, tools):
    client = await labdeck(oauth_access_cache=0.0)
    assert (await tools.sign_in(client, cluster, "alice", PAGE)).status == 200
    await cluster.server.close()
    response = await client.get(PAGE, headers=HTML, allow_redirects=False)
    assert response.status == 503
    text = await response.text()
    assert "cannot check who may use this environment" in text and "hello" not in text


async def test_service_account_not_allowed_to_read_role_bindings_gives_503(labdeck, cluster, tools, caplog):
    client = await labdeck()
    cluster.rolebindings_status = 403
    response = await tools.sign_in(client, cluster, "alice", PAGE)
    assert response.status == 503
    assert "may not list role bindings in project workshop" in caplog.text
    assert cluster.sa_token not in caplog.text


async def test_expired_token_is_refreshed_without_leaving_the_page(labdeck, cluster, tools):
    cluster.expires_in = 1
    client = await labdeck()
    assert (await tools.sign_in(client, cluster, "alice", PAGE)).status == 200
    await asyncio.sleep(1.2)
    response = await client.get(PAGE, headers=HTML, allow_redirects=False)
    assert response.status == 200 and await response.text() == "hello alice"
    assert [grant for _, _, grant in cluster.token_requests] == ["authorization_code", "refresh_token"]


async def test_expired_session_signs_in_again_and_returns_to_the_same_page(labdeck, cluster, tools):
    cluster.expires_in = 1
    cluster.issue_refresh_tokens = False
    client = await labdeck()
    assert (await tools.sign_in(client, cluster, "alice", PAGE)).status == 200
    await asyncio.sleep(1.2)
    api = await client.get(PAGE + "?poll=1", allow_redirects=False)  # a script's request: no redirect
    assert api.status == 401
    response = await tools.sign_in(client, cluster, "alice", PAGE + "?step=3")  # the page load goes round the provider
    assert await response.text() == "hello alice"


async def test_session_cookie_past_its_max_age_is_refused(labdeck, cluster, tools):
    client = await labdeck(session_max_age=1)
    assert (await tools.sign_in(client, cluster, "alice", PAGE)).status == 200
    await asyncio.sleep(2.1)  # the signature's timestamp has whole seconds
    response = await client.get(PAGE, headers=HTML, allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith(cluster.url + "/oauth/authorize?")


async def test_cookie_copied_before_sign_out_no_longer_works(labdeck, cluster, tools):
    client = await labdeck()
    assert (await tools.sign_in(client, cluster, "alice", PAGE)).status == 200
    copied = {c.key: c.value for c in client.session.cookie_jar}
    await client.post(PREFIX + "-/logout", headers=SAME_ORIGIN)
    response = await client.get(PAGE, cookies=copied, allow_redirects=False)
    assert response.status == 401


async def test_back_button_onto_a_spent_callback_when_signed_in_goes_home(labdeck, cluster, tools):
    client = await labdeck()
    assert (await tools.sign_in(client, cluster, "alice", PAGE)).status == 200
    response = await client.get(PREFIX + "oauth_callback?code=spent&state=spent", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == PREFIX


async def test_two_tabs_signing_in_at_once_both_arrive(labdeck, cluster, tools):
    client = await labdeck()
    first = await client.get(PAGE + "?tab=1", headers=HTML, allow_redirects=False)
    second = await client.get(PAGE + "?tab=2", headers=HTML, allow_redirects=False)
    async with aiohttp.ClientSession() as browser:
        callbacks = [(await browser.get(r.headers["Location"], allow_redirects=False)).headers["Location"]
                     for r in (first, second)]
    for callback, tab in ((callbacks[1], "?tab=2"), (callbacks[0], "?tab=1")):  # finished in the other order
        parts = urlsplit(callback)
        done = await client.get(f"{parts.path}?{parts.query}", allow_redirects=False)
        assert done.status == 302 and done.headers["Location"] == PAGE + tab
