"""One pass of the room against a stand-in of the hub's user list and two attendees' labdecks:
a broken server keeps its row with the reason, and never hides the others."""

import aiohttp
from aiohttp import web

from labdeck_instructor.poller import Room
from labdeck_instructor.room import StuckRule

SEQUENCE = [{"id": "intro", "title": "Welcome"}, {"id": "one", "title": "First"}]


async def room_before(aiohttp_server, *routes: web.RouteDef) -> Room:
    """A room that polls a stand-in of the hub and of the attendees' labdecks answering ``routes``."""
    app = web.Application()
    app.router.add_routes(routes)
    server = await aiohttp_server(app)
    origin = str(server.make_url("")).rstrip("/")
    return Room(api_url=origin + "/hub/api", api_token="board-token", proxy_url=origin, interval=5,
                rule=StuckRule())


async def test_a_broken_attendee_server_keeps_its_row_and_hides_nobody(aiohttp_server):
    seen = []

    async def users(request):
        seen.append(request.headers.get("Authorization"))
        items = [{"name": name, "servers": {"": {"ready": True, "url": f"/user/{name}/", "last_activity": None}}}
                 for name in ("alice", "bob")]
        items.append({"name": "carol", "servers": {}})  # no running server: no row
        return web.json_response({"items": items, "_pagination": {"next": None}})

    async def progress(request):
        name = request.match_info["name"]
        if name == "bob":
            raise web.HTTPBadGateway()
        assert request.query["user"] == name
        return web.json_response({"version": 1, "user": name, "current": "one", "sequence": SEQUENCE,
                                  "pages": {"one": {"visited": 1.0, "seconds": 30.0, "checks": {}}}})

    room = await room_before(aiohttp_server, web.get("/hub/api/users", users),
                             web.get("/user/{name}/notes/-/progress", progress))
    async with aiohttp.ClientSession() as room._http:
        await room.poll()
    rows = {row["name"]: row for row in room.board}
    assert sorted(rows) == ["alice", "bob"]
    assert (rows["alice"]["index"], rows["alice"]["pages"], rows["alice"]["title"]) == (2, 2, "First")
    assert rows["bob"]["page"] is None and "HTTP 502" in rows["bob"]["problem"]
    assert seen == ["token board-token"] and room.version == 1


async def test_a_handled_hand_is_lowered_at_the_attendee_and_a_broadcast_reaches_every_running_server(
        aiohttp_server):
    hands = {"alice": {"page": "one", "message": "stuck", "at": 12.5, "recent": []}}
    received: dict[str, list] = {"alice": [], "bob": []}

    async def users(request):
        items = [{"name": name, "servers": {"": {"ready": True, "url": f"/user/{name}/", "last_activity": None}}}
                 for name in ("alice", "bob")]
        return web.json_response({"items": items, "_pagination": {"next": None}})

    async def progress(request):
        name = request.match_info["name"]
        return web.json_response({"version": 1, "user": name, "current": "one", "sequence": SEQUENCE,
                                  "pages": {}, "hand": hands.get(name)})

    async def hand(request):
        body = await request.json()
        assert request.headers["Authorization"] == "token board-token"
        if body == {"lower": True, "at": 12.5, "user": request.match_info["name"]}:
            hands.pop(request.match_info["name"], None)
        return web.json_response({"hand": None})

    async def broadcast(request):
        received[request.match_info["name"]].append(await request.json())
        return web.json_response({})

    room = await room_before(aiohttp_server, web.get("/hub/api/users", users),
                             web.get("/user/{name}/notes/-/progress", progress),
                             web.post("/user/{name}/notes/-/progress/hand", hand),
                             web.post("/user/{name}/notes/-/broadcast", broadcast))
    async with aiohttp.ClientSession() as room._http:
        await room.poll()
        rows = {row["name"]: row for row in room.board}
        assert rows["alice"]["hand"]["title"] == "First" and rows["alice"]["hand"]["message"] == "stuck"
        assert rows["bob"]["hand"] is None
        assert await room.handled("alice", 12.5) is None
        assert hands == {}  # lowered at alice's labdeck
        assert {row["name"]: row["hand"] for row in room.board} == {"alice": None, "bob": None}  # and on the board
        assert await room.handled("carol", 12.5) == "carol has no running server"
        sent = await room.broadcast("<b>Break</b> until 11:00", "instructor")
    assert sent == {"alice": None, "bob": None}
    assert received["alice"] == received["bob"] == [{"message": "<b>Break</b> until 11:00", "from": "instructor"}]
