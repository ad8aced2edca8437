"""Ask for help and the instructor's broadcast (help.py): what an attendee's labdeck keeps and shows."""

from __future__ import annotations

import functools

import pytest

PAGES = {
    "01-start.md": "# Start\n\n```execute\necho one\n```\n\n```execute\nls /nowhere\n```\n",
    "02-end.md": "# End\n\nDone.\n",
}


@pytest.fixture
def workshop(pages_folder):
    return pages_folder(PAGES)


@pytest.fixture
def client(progress_client, workshop):
    return functools.partial(progress_client, workshop)


async def test_nothing_is_captured_when_the_workshop_does_not_offer_help(client):
    http = await client()
    assert (await (await http.get("/notes/-/help")).json())["enabled"] is False
    response = await http.post("/notes/-/progress/hand", json={"page": "01-start", "message": "help"})
    assert response.status == 403 and "LABDECK_NOTES_HELP" in await response.text()
    assert (await (await http.get("/notes/-/progress")).json())["hand"] is None


async def test_a_raised_hand_carries_the_page_the_last_commands_with_their_status_and_the_message(client):
    http = await client(notes_help=True)
    await http.get("/notes/01-start")
    assert (await (await http.get("/notes/-/progress")).json())["hand"] is None  # not before pressing
    for block, state, code in (("0", "passed", 0), ("1", "failed", 2)):
        await http.post("/notes/-/progress/result", json={"page": "01-start", "block": block, "state": state,
                                                          "code": code})
    response = await http.post("/notes/-/progress/hand", json={
        "page": "01-start", "message": "ls says no such file", "commands": {"0": "echo one", "1": "ls /nowhere"}})
    assert response.status == 200, await response.text()
    hand = (await (await http.get("/notes/-/progress")).json())["hand"]
    assert hand["page"] == "01-start" and hand["message"] == "ls says no such file"
    assert hand["recent"][0] == {"page": "01-start", "block": "1", "state": "failed", "code": 2,
                                 "command": "ls /nowhere"}
    assert [item["command"] for item in hand["recent"]] == ["ls /nowhere", "echo one"]
    assert (await (await http.get("/notes/-/help")).json())["hand"] == hand

    response = await http.post("/notes/-/progress/hand", json={"lower": True})
    assert response.status == 200
    assert (await (await http.get("/notes/-/progress")).json())["hand"] is None


async def test_marking_an_old_hand_handled_leaves_a_newer_one_up(client):
    http = await client(notes_help=True)
    first = await (await http.post("/notes/-/progress/hand", json={"page": "01-start"})).json()
    await http.post("/notes/-/progress/hand", json={"page": "02-end", "message": "again"})
    await http.post("/notes/-/progress/hand", json={"lower": True, "at": first["hand"]["at"] - 1})
    assert (await (await http.get("/notes/-/progress")).json())["hand"]["page"] == "02-end"


@pytest.mark.parametrize("fields, says", [
    ({"page": "../etc"}, "page: not a page"),
    ({"page": "01-start", "message": ["x"]}, "message:"),
    ({"page": "01-start", "commands": ["ls"]}, "commands:"),
    ({"lower": True, "at": "yesterday"}, "at is the time"),
])
async def test_a_malformed_hand_is_refused_naming_the_field(client, fields, says):
    http = await client(notes_help=True)
    response = await http.post("/notes/-/progress/hand", json=fields)
    assert response.status == 400 and says in await response.text()


async def test_a_broadcast_is_shown_to_the_page_until_an_empty_one_takes_it_down(client):
    http = await client()
    assert (await (await http.get("/notes/-/help")).json())["broadcast"] is None
    response = await http.post("/notes/-/broadcast", json={"message": "  Break until 11:00 ", "from": "instructor"})
    assert response.status == 200
    broadcast = (await (await http.get("/notes/-/help")).json())["broadcast"]
    assert (broadcast["message"], broadcast["sender"]) == ("Break until 11:00", "instructor")
    await http.post("/notes/-/broadcast", json={"message": ""})
    assert (await (await http.get("/notes/-/help")).json())["broadcast"] is None


async def test_attack_hand_or_broadcast_from_another_origin(client):
    http = await client(notes_help=True)
    for path, body in (("/notes/-/progress/hand", {"page": "01-start"}), ("/notes/-/broadcast", {"message": "x"})):
        response = await http.post(path, json=body, headers={"Origin": "https://evil.example"})
        assert response.status == 403, path
    assert (await (await http.get("/notes/-/help")).json())["broadcast"] is None


async def test_the_page_is_told_of_a_broadcast_and_a_hand_as_they_change_without_polling(client):
    import asyncio
    import json

    http = await client(notes_help=True)
    async with http.get("/notes/-/events") as stream:  # the page's one stream (events.py)
        assert stream.content_type == "text/event-stream"

        async def event():
            while not (line := await asyncio.wait_for(stream.content.readline(), 10)).startswith(b"data: "):
                pass
            return json.loads(line[len(b"data: "):])

        assert (await event()) == {"enabled": True, "hand": None, "broadcast": None}
        await http.post("/notes/-/broadcast", json={"message": "<b>Break</b>", "from": "instructor"})
        assert (await event())["broadcast"]["message"] == "<b>Break</b>"
        await http.post("/notes/-/progress/hand", json={"page": "02-end", "message": "help"})
        assert (await event())["hand"]["page"] == "02-end"
        await http.post("/notes/-/progress/hand", json={"lower": True})
        assert (await event())["hand"] is None
