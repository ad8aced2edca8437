"""Signing out revokes the session: its cookie, copied or kept, no longer opens anything,
also after the web process restarts; the record of revoked sessions stays small."""

import asyncio
import time

import aiohttp

from labdeck import hookimpl, proxy
from labdeck.auth import session
from labdeck.auth.session import SessionCookies, cookie_name
from labdeck_testing import labdeck_login


async def signed_in_cookie(client) -> str:
    await labdeck_login(client)
    return client.session.cookie_jar.filter_cookies(client.make_url("/"))[cookie_name("/")].value


async def test_copied_cookie_is_refused_after_sign_out(labdeck_client, tmp_path):
    client = await labdeck_client(runtime_dir=tmp_path)
    stolen = await signed_in_cookie(client)
    assert (await client.post("/-/logout")).status == 200
    assert (await client.get("/", cookies={cookie_name("/"): stolen})).status == 401
    other = await signed_in_cookie(client)  # a new sign-in is a new session
    assert (await client.get("/", cookies={cookie_name("/"): other})).status == 200


async def test_revoked_cookie_stays_refused_after_a_restart(labdeck_client, tmp_path):
    before = await labdeck_client(runtime_dir=tmp_path)
    stolen = await signed_in_cookie(before)
    await before.post("/-/logout")
    after = await labdeck_client(runtime_dir=tmp_path)  # a new web process: same key, same runtime folder
    assert (await after.get("/", cookies={cookie_name("/"): stolen})).status == 401
    assert (await after.get("/", cookies={cookie_name("/"): await signed_in_cookie(before)})).status == 200


def test_revocation_record_is_pruned_and_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(session, "MAX_REVOKED", MAX_REVOKED := 20)
    sessions = SessionCookies("/", 60, b"k", revoked_file=tmp_path / "revoked")
    sessions.revoke("old", until=time.time() - 1)
    for n in range(MAX_REVOKED + 10):
        sessions.revoke(f"s{n}", until=time.time() + 60 + n)
    again = SessionCookies("/", 60, b"k", revoked_file=tmp_path / "revoked")
    assert not again.is_revoked("old") and not again.is_revoked("s0")
    assert again.is_revoked(f"s{MAX_REVOKED + 9}")
    assert again.is_revoked("s20") and len(again._revoked) == MAX_REVOKED


async def test_a_websocket_opened_before_sign_out_is_closed_after_it(proxied, monkeypatch):
    """The attack: keep a terminal's socket open and sign out (or have the session revoked); the
    socket must not keep the shell behind it. Another session's socket stays open."""
    monkeypatch.setattr(proxy, "SIGNED_IN_RECHECK", 0.2)
    client = await proxied()
    client.session.cookie_jar.clear()
    staying = await signed_in_cookie(client)
    client.session.cookie_jar.clear()
    leaving = await signed_in_cookie(client)  # a second session
    client.session.cookie_jar.clear()
    origin, name = f"http://{client.host}:{client.port}", cookie_name("/")

    def as_(cookie: str) -> dict[str, str]:
        return {"Cookie": f"{name}={cookie}", "Origin": origin}

    async with client.ws_connect("/up/ws", headers=as_(staying)) as kept, \
            client.ws_connect("/up/ws", headers=as_(leaving)) as ended:
        await asyncio.sleep(0.6)  # a few looks: both sessions hold, both sockets stay open
        for ws in (kept, ended):
            await ws.send_str("still here")
            assert await ws.receive_str(timeout=5) == "still here"
        assert (await client.post("/-/logout", headers=as_(leaving))).status == 200
        closed = await ended.receive(timeout=5)
        assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ended.close_code == aiohttp.WSCloseCode.POLICY_VIOLATION
        await asyncio.sleep(0.6)
        await kept.send_str("mine still works")
        assert await kept.receive_str(timeout=5) == "mine still works"


class Gate:
    """A plugin's ``authorize`` that lets everyone in until it is closed (a workshop ended, a
    user removed from the room's list)."""

    def __init__(self):
        self.open = True

    @hookimpl
    def authorize(self, principal, request):
        return None if self.open else False


async def test_a_websocket_is_closed_once_a_plugin_stops_authorizing_its_user(labdeck_client, proxy_plugin,
                                                                              upstream, monkeypatch):
    """The attack: open a terminal's socket while a plugin still lets you in and keep it open after
    it no longer does; the look at a still-open socket asks the plugins as a new request would."""
    monkeypatch.setattr(proxy, "SIGNED_IN_RECHECK", 0.2)
    gate = Gate()
    client = await labdeck_client({"up": proxy_plugin(f"http://127.0.0.1:{upstream.port}/base/"), "gate": gate})
    await labdeck_login(client)
    async with client.ws_connect("/up/ws", origin=f"http://{client.host}:{client.port}") as ws:
        await asyncio.sleep(0.6)  # a few looks while the gate is open: the socket stays
        await ws.send_str("still here")
        assert await ws.receive_str(timeout=5) == "still here"
        gate.open = False
        closed = await ws.receive(timeout=5)
        assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code == aiohttp.WSCloseCode.POLICY_VIOLATION
    assert (await client.get("/up/echo")).status == 403
