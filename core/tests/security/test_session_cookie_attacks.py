"""Session cookies: tampered, expired or from another prefix mean signed out, never a 500."""

import time

from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from itsdangerous import URLSafeTimedSerializer

from labdeck import Principal, SessionCookies
from labdeck.auth.session import cookie_name
from labdeck_testing import labdeck_login


async def test_tampered_cookie_is_signed_out(labdeck_client):
    client = await labdeck_client()
    await labdeck_login(client)
    name = cookie_name("/")
    value = client.session.cookie_jar.filter_cookies(client.make_url("/"))[name].value
    forged = value.replace(value.split(".")[0], "eyJ1IjoiYWRtaW4iLCJiIjoidG9rZW4ifQ")
    client.session.cookie_jar.clear()
    response = await client.get("/", cookies={name: forged})
    assert response.status == 401
    assert (await client.get("/", cookies={name: "garbage"})).status == 401


async def test_cookie_signed_with_another_key_is_refused(labdeck_client):
    client = await labdeck_client()
    value = URLSafeTimedSerializer(b"guessed", salt="labdeck-session:/").dumps({"u": "root", "b": "token"})
    assert (await client.get("/", cookies={cookie_name("/"): value})).status == 401


async def test_cookie_from_another_prefix_is_refused(labdeck_client):
    alice = await labdeck_client(prefix="/user/alice/", cookie_secret="shared")
    await labdeck_login(alice)
    value = alice.session.cookie_jar.filter_cookies(alice.make_url("/user/alice/"))[cookie_name("/user/alice/")].value
    bob = await labdeck_client(prefix="/user/bob/", cookie_secret="shared")
    # same key, same host: neither alice's cookie name nor her value opens bob's server
    assert cookie_name("/user/alice/") != cookie_name("/user/bob/")
    assert (await bob.get("/user/bob/", cookies={cookie_name("/user/bob/"): value})).status == 401


async def test_expired_cookie_is_signed_out(labdeck_client):
    client = await labdeck_client(session_max_age=-1)
    await labdeck_login(client)
    assert (await client.get("/")).status == 401



def remembered_session(max_age: int = 60) -> tuple[SessionCookies, web.Request, str]:
    """Session cookies, and a request carrying a cookie of theirs that was verified once (and so
    remembered: session.py); with the session's id."""
    sessions = SessionCookies("/", max_age, b"k" * 32)
    response = web.Response()
    sessions.write(response, make_mocked_request("GET", "/"), Principal(name="alice", backend="token"))
    value = response.cookies[sessions.name].value
    request = make_mocked_request("GET", "/", headers={"Cookie": f"{sessions.name}={value}; other=1"})
    assert sessions.read(request).name == "alice"
    return sessions, request, sessions.unsign(value, max_age)["s"]


def test_a_cookie_verified_before_still_expires(monkeypatch):
    """A session cookie is verified by its signature once and remembered: the remembered one must
    still expire when its signature would have."""
    sessions, request, _ = remembered_session(max_age=60)
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert sessions.read(request) is None


def test_a_cookie_verified_before_is_refused_once_its_session_is_revoked():
    sessions, request, sid = remembered_session()
    sessions.revoke(sid)
    assert sessions.read(request) is None
