"""A hub service's token in ``Authorization`` (the instructor's board reading progress), in-process
against a stand-in of the hub's ``/user`` (tests/hub/test_hub_instructor.py runs it with a real hub):
let through to GET notes/-/progress, POST of a handled hand and a broadcast, only with an access
scope for this server."""

from __future__ import annotations

import pytest
from aiohttp import web

import labdeck_jupyterhub
from labdeck_testing import make_app

PREFIX = "/user/alice/"
BOARD = {"kind": "service", "name": "instructor", "scopes": ["access:servers", "list:users"]}
MODELS = {
    "board-token": BOARD,
    "unscoped-service-token": {"kind": "service", "name": "other", "scopes": ["list:users"]},
    "persons-token": {"kind": "user", "name": "mallory", "scopes": ["access:servers"]},
}


@pytest.fixture
async def labdeck(aiohttp_server, aiohttp_client):
    asked = []

    async def user(request):
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        asked.append(token)
        model = MODELS.get(token)
        return web.json_response(model) if model else web.json_response({"status": 403}, status=403)

    async def root(request):
        return web.json_response({"version": "6.1.1"})

    hub = web.Application()
    hub.router.add_get("/hub/api/user", user)
    hub.router.add_get("/hub/api/", root)
    server = await aiohttp_server(hub)
    environ = {
        "JUPYTERHUB_CLIENT_ID": "jupyterhub-user-alice", "JUPYTERHUB_API_TOKEN": "api-token",
        "JUPYTERHUB_API_URL": str(server.make_url("/hub/api")), "JUPYTERHUB_SERVICE_PREFIX": PREFIX,
        "JUPYTERHUB_OAUTH_CALLBACK_URL": PREFIX + "oauth_callback",
        "JUPYTERHUB_OAUTH_ACCESS_SCOPES": '["access:servers!server=alice/", "access:servers!user=alice"]',
    }
    client = await aiohttp_client(make_app({"jupyterhub": labdeck_jupyterhub}, environ=environ))
    client.asked = asked
    return client


def token(value: str) -> dict[str, str]:
    return {"Authorization": f"token {value}"}


async def test_the_boards_service_token_reads_progress(labdeck):
    response = await labdeck.get(PREFIX + "notes/-/progress", headers=token("board-token"))
    assert response.status == 404  # let through (no notes plugin in this app)


async def test_the_hub_is_asked_once_per_token_not_once_per_poll(labdeck):
    for _ in range(5):
        await labdeck.get(PREFIX + "notes/-/progress", headers=token("board-token"))
    assert labdeck.asked == ["board-token"]


async def test_attack_service_token_used_for_anything_but_reading_progress(labdeck):
    for method, path in (("GET", "notes/index"), ("POST", "notes/-/progress"), ("GET", "terminal/"),
                         ("GET", "notes/-/progress/../index"), ("PUT", "editor/x")):
        response = await labdeck.request(method, PREFIX + path, headers=token("board-token"),
                                         allow_redirects=False)
        assert response.status == 403, (method, path)


async def test_the_boards_service_token_lowers_a_handled_hand_and_broadcasts(labdeck):
    for path in ("notes/-/progress/hand", "notes/-/broadcast"):
        response = await labdeck.post(PREFIX + path, json={}, headers=token("board-token"))
        assert response.status == 404, path  # let through (no notes plugin in this app)


async def test_attack_service_token_posts_anything_but_a_handled_hand_or_a_broadcast(labdeck):
    """The board may POST exactly two paths; a results write, a reset, a check run, a terminal
    action or a look-alike path is refused, and so is another method on the two paths."""
    for method, path in (("POST", "notes/-/progress/result"), ("POST", "notes/-/progress/reset"),
                         ("POST", "notes/-/checks/run"), ("POST", "terminal/-/sessions"),
                         ("POST", "notes/-/progress/hand/../result"), ("POST", "notes/-/broadcast/x"),
                         ("POST", "notes/-/progress/hand%2F..%2Freset"), ("PUT", "notes/-/broadcast"),
                         ("DELETE", "notes/-/progress/hand"), ("POST", "editor/-/save")):
        response = await labdeck.request(method, PREFIX + path, json={}, headers=token("board-token"),
                                         allow_redirects=False)
        assert response.status == 403, (method, path)
    response = await labdeck.post(PREFIX + "notes/-/broadcast", headers=token("unscoped-service-token"))
    assert response.status == 403


WEBSOCKET = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
             "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}


async def test_the_boards_service_token_opens_a_terminals_read_only_viewer(labdeck):
    response = await labdeck.get(PREFIX + "terminal/ws/view/1", headers={**token("board-token"), **WEBSOCKET})
    assert response.status == 404  # let through (no terminal plugin in this app)


async def test_attack_service_token_opens_a_terminal_websocket_that_types(labdeck):
    for path in ("terminal/ws/session/1", "terminal/ws/view/..%2Fsession%2F1", "terminal/ws/view/1/../../session/1",
                 "notes/-/progress", "terminal/ws/view/"):
        response = await labdeck.get(PREFIX + path, headers={**token("board-token"), **WEBSOCKET})
        assert response.status == 403, path


async def test_attack_service_token_without_access_to_this_server(labdeck):
    response = await labdeck.get(PREFIX + "notes/-/progress", headers=token("unscoped-service-token"))
    assert response.status == 403


async def test_attack_persons_token_in_the_header(labdeck):
    """People sign in through the browser flow; their API tokens are not taken from headers."""
    response = await labdeck.get(PREFIX + "notes/-/progress", headers={**token("persons-token"),
                                                                        "Accept": "text/html"},
                                 allow_redirects=False)
    assert response.status in (302, 401)
    response = await labdeck.get(PREFIX + "notes/-/progress", headers=token("no-such-token"), allow_redirects=False)
    assert response.status in (302, 401)


async def test_the_boards_reads_do_not_keep_an_idle_server_from_the_culler(labdeck):
    from labdeck.app import AUTH_BACKEND

    activity = labdeck.app[AUTH_BACKEND].deck.activity
    activity.inner.last = before = 1000.0  # long idle
    for _ in range(3):
        await labdeck.get(PREFIX + "notes/-/progress", headers=token("board-token"))
    assert activity.last == before
    await labdeck.get(PREFIX + "notes/-/progress", headers={"Accept": "text/html"}, allow_redirects=False)
    assert activity.last == before  # nobody signed in: no use either
