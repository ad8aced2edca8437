"""The whole authorization-code flow against a real OAuth2 provider: JupyterHub on
loopback, with labdeck registered as a hub service (PKCE required by the hub)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import aiohttp


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def signed_in(session: aiohttp.ClientSession, labdeck) -> bool:
    """An API-style request (not a page): 401 when signed out, no redirect."""
    response = await session.get(labdeck.url + "nowhere", headers={"Accept": "application/json"},
                                 allow_redirects=False)
    return response.status == 404


async def test_sign_in_lands_on_the_page_first_asked_for(hub, labdeck, tools):
    start = labdeck.url + "notes/page?x=1"
    async with tools.browser_session() as session:
        assert not await signed_in(session, labdeck)
        response, visited = await tools.follow(session, start, user="alice")
        assert str(response.url) == start
        assert response.status == 404  # core alone serves no notes: what matters is being let through
        authorize = next(url for url in visited if url.startswith(hub.url + "api/oauth2/authorize"))
        assert query(authorize)["code_challenge_method"] == "S256" and query(authorize)["state"]
        assert any(url.startswith(labdeck.url + "oauth_callback?") for url in visited)
        assert await signed_in(session, labdeck)
        assert not [c.key for c in session.cookie_jar if c.key.startswith("labdeck-oauth-")]  # flow cookie spent
        session_cookie = next(c.value for c in session.cookie_jar if c.key.startswith("labdeck-session-"))
    output = "".join(labdeck.output)
    assert "signed in: alice" in output
    callback = query(next(url for url in visited if "oauth_callback?" in url))
    for secret in (callback["code"], callback["state"], query(authorize)["code_challenge"], tools.CLIENT_SECRET):
        assert secret not in output
    assert session_cookie not in output


async def test_user_not_allowed_sees_who_they_are_and_can_sign_out(labdeck, tools):
    async with tools.browser_session() as session:
        response, _ = await tools.follow(session, labdeck.url, user="bob")  # bob is not in workshop-admins
        assert response.status == 403
        text = await response.text()
        assert "<strong>bob</strong>" in text
        logout = re.search(r'href="([^"]*-/logout)"', text).group(1)
        response = await session.get(urljoin(labdeck.url, logout))  # a page asking to confirm
        assert response.status == 200 and "<form" in await response.text()
        response = await session.post(urljoin(labdeck.url, logout), headers={"Sec-Fetch-Site": "same-origin"})
        assert response.status == 200 and "Signed out" in await response.text()
        assert not await signed_in(session, labdeck)
        # signing in again is a click away and ends at the same clear page, not in a loop
        response, _ = await tools.follow(session, labdeck.url)
        assert response.status == 403


async def test_callback_without_state_is_refused(labdeck, tools):
    async with tools.browser_session() as session:
        response = await session.get(labdeck.url + "oauth_callback?code=abc", allow_redirects=False)
        assert response.status == 400
        assert "Sign in again" in await response.text()
        assert not await signed_in(session, labdeck)


async def test_callback_with_wrong_state_is_refused(hub, labdeck, tools):
    async with tools.browser_session() as session:
        _, visited = await tools.follow(session, labdeck.url + "x", stop_at=hub.url)
        assert query(visited[-1])["state"]
        response = await session.get(labdeck.url + "oauth_callback?" + urlencode({"code": "abc", "state": "forged"}),
                                     allow_redirects=False)
        assert response.status == 400
        assert not await signed_in(session, labdeck)


async def test_replayed_callback_is_refused(labdeck, tools):
    async with tools.browser_session() as session:
        _, visited = await tools.follow(session, labdeck.url + "x", user="alice",
                                        stop_at=labdeck.url + "oauth_callback")
        callback = visited[-1]
        flow_cookies = {c.key: c.value for c in session.cookie_jar if c.key.startswith("labdeck-oauth-")}
        response = await session.get(callback, allow_redirects=False)
        assert response.status == 302 and await signed_in(session, labdeck)
    # someone who copied both the callback URL and the flow cookie comes too late
    async with tools.browser_session() as thief:
        response = await thief.get(callback, cookies=flow_cookies, allow_redirects=False)
        assert response.status == 400
        assert "already completed" in await response.text()
        assert not await signed_in(thief, labdeck)


async def test_code_issued_to_another_client_is_refused(hub, labdeck, tools):
    async with tools.browser_session() as session:
        _, visited = await tools.follow(session, labdeck.url + "x", stop_at=hub.url)
        ours = query(visited[-1])
        # the same browser, signed in at the hub, obtains a code for another client
        other = hub.url + "api/oauth2/authorize?" + urlencode({
            "response_type": "code", "client_id": "service-other", "state": ours["state"],
            "redirect_uri": "http://127.0.0.1:9/other/oauth_callback",
            "code_challenge": ours["code_challenge"], "code_challenge_method": "S256"})
        _, other_visited = await tools.follow(session, other, user="alice", stop_at="http://127.0.0.1:9/")
        foreign = query(other_visited[-1])
        assert foreign["code"]
        response = await session.get(labdeck.url + "oauth_callback?" + urlencode(
            {"code": foreign["code"], "state": ours["state"]}), allow_redirects=False)
        assert response.status == 403
        assert "not accepted" in await response.text()
        assert not await signed_in(session, labdeck)


async def test_code_from_another_browser_is_refused(hub, labdeck, tools):
    """Code injection: bob's code pushed into alice's browser. State and PKCE both stop it."""
    async with tools.browser_session() as attacker, tools.browser_session() as victim:
        _, visited = await tools.follow(attacker, labdeck.url + "x", user="bob",
                                        stop_at=labdeck.url + "oauth_callback")
        stolen = query(visited[-1])
        _, victim_visited = await tools.follow(victim, labdeck.url + "x", stop_at=hub.url)
        mine = query(victim_visited[-1])
        # with the attacker's state: this browser never started that sign-in
        response = await victim.get(labdeck.url + "oauth_callback?" + urlencode(stolen), allow_redirects=False)
        assert response.status == 400
        # with the victim's own state: the code was issued for another PKCE verifier
        response = await victim.get(labdeck.url + "oauth_callback?" + urlencode(
            {"code": stolen["code"], "state": mine["state"]}), allow_redirects=False)
        assert response.status == 403
        assert not await signed_in(victim, labdeck)


async def test_next_pointing_off_site_lands_on_our_own_start_page(labdeck, tools):
    origin = labdeck.url.split("/user/")[0]
    async with tools.browser_session() as session:
        response, visited = await tools.follow(session, origin + "//evil.example/steal", user="alice")
        assert str(response.url) == labdeck.url
        assert not any("evil.example" in url for url in visited[1:])


async def test_sign_in_in_a_real_browser(hub, labdeck, tools):
    start = labdeck.url + "notes/intro?step=2"
    async with tools.chromium() as browser:
        page = await browser.new_page()
        await page.goto(start)
        assert page.url.startswith(hub.url + "login")
        await page.fill("#username_input", "alice")
        await page.fill("#password_input", "correct-horse-battery")
        await page.click("#login_submit")
        await page.wait_for_url(start)
        assert page.url == start
