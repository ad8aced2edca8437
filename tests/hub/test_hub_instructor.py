"""The instructor's room board (labdeck-instructor) as the hub runs it: a managed service that
reads every attendee's progress through the hub's proxy, open to admins and the instructors group."""

import asyncio
import json
import time
from pathlib import Path

import pytest
from hub_harness import ADMIN_PASSWORD, ROOT, start_hub

from labdeck_testing import free_port

pytest.importorskip("labdeck_instructor")

BOARD = "services/instructor/instructor/"  # the service's labdeck mounts the plugin at instructor/
WORKSHOP = ROOT / "examples" / "workshop"
ROOM = ["alice", "bob", "carol", "dana"]
PROBE_TOKEN = "probe-token-for-the-instructor-tests"
MAKER_TOKEN = "token-maker-token-for-the-instructor-tests"
EXTRA = f"""
c.Spawner.environment.update({{"WORKSHOP_DIR": {str(WORKSHOP)!r}}})
c.JupyterHub.services.append({{"name": "probe", "api_token": {PROBE_TOKEN!r}}})
c.JupyterHub.load_roles.append({{"name": "probe", "services": ["probe"], "scopes": ["access:servers"]}})
c.JupyterHub.services.append({{"name": "token-maker", "api_token": {MAKER_TOKEN!r}}})
c.JupyterHub.load_roles.append({{"name": "token-maker", "services": ["token-maker"], "scopes": ["tokens!user=alice"]}})
"""


@pytest.fixture(scope="module")
def hub(request):
    hub = start_hub(ROOM, env={"IDLE_TIMEOUT": "0", "INSTRUCTOR_BOARD": "true",
                               "INSTRUCTOR_PORT": str(free_port()), "INSTRUCTOR_USERS": "dana",
                               "PASS_ENVIRONMENT": "LABDECK_INSTRUCTOR_INTERVAL",
                               "LABDECK_INSTRUCTOR_INTERVAL": "1"},
                    extra_config=EXTRA)
    yield hub
    hub.stop(keep=request.session.testsfailed > 0)


async def board_rows(browser) -> dict[str, dict]:
    status, _, text = await browser.get(BOARD + "-/board")
    assert status == 200, text[:500]
    return {row["name"]: row for row in json.loads(text)["rows"]}


async def wait_for_board(browser, hub, predicate, within: float = 30) -> dict[str, dict]:
    deadline = time.monotonic() + within
    rows = {}
    while time.monotonic() < deadline:
        rows = await board_rows(browser)
        if predicate(rows):
            return rows
        await asyncio.sleep(0.5)
    raise AssertionError(f"the board never showed it: {rows}\n{hub.tail()}")


def progress_file(hub, user: str) -> Path:
    return hub.log.parent / "state" / "homes" / user / ".local" / "share" / "labdeck" / "progress.sqlite"


async def test_instructor_sees_alice_on_page_3_with_a_check_and_bob_on_page_1(hub, browser_for):
    from labdeck_notes.progress import ProgressStore

    await asyncio.gather(hub.start("alice"), hub.start("bob"))
    alice, bob = await browser_for(hub, "alice"), await browser_for(hub, "bob")
    assert (await bob.get("user/bob/notes/index"))[0] == 200
    for page in ("index", "exercises/01-first-commands", "exercises/02-variables"):
        status, _, text = await alice.get(f"user/alice/notes/{page}")
        assert status == 200, text[:500]
    # the check's result as the notes plugin records it (its check route is the checks issue's)
    store = ProgressStore(progress_file(hub, "alice"))
    store.result("alice", "check", "exercises/02-variables", "greeting-set", "passed", code=0)
    store.close()

    instructor = await browser_for(hub, "instructor", ADMIN_PASSWORD)
    rows = await wait_for_board(instructor, hub, lambda rows: rows.get("alice", {}).get("checks") == 1
                                and rows.get("bob", {}).get("index") == 1)
    assert (rows["alice"]["index"], rows["alice"]["pages"], rows["alice"]["title"]) == (3, 5, "Data Variables")
    assert (rows["bob"]["index"], rows["bob"]["title"], rows["bob"]["checks"]) == (1, "Welcome", 0)
    assert "carol" not in rows  # no running server, no row

    # bob moves on: the board follows without anyone reloading anything
    assert (await bob.get("user/bob/notes/exercises/01-first-commands"))[0] == 200
    rows = await wait_for_board(instructor, hub, lambda rows: rows["bob"]["index"] == 2)
    assert rows["bob"]["title"] == "First Commands"


async def test_the_board_streams_updates_as_server_sent_events(hub, browser_for):
    await hub.start("alice")
    instructor = await browser_for(hub, "instructor", ADMIN_PASSWORD)
    await instructor.get("services/instructor/")  # signs in at the service
    async with instructor.session.get(hub.url + BOARD + "-/events") as response:
        assert response.status == 200
        assert response.content_type == "text/event-stream"
        line = b""
        while not line.startswith(b"data: "):
            line = await asyncio.wait_for(response.content.readline(), 30)
        state = json.loads(line[len(b"data: "):])
    assert "alice" in {row["name"] for row in state["rows"]}


async def test_a_member_of_the_instructors_group_may_open_the_board(hub, browser_for):
    dana = await browser_for(hub, "dana")
    status, _, text = await dana.get("services/instructor/")
    assert status == 200, text[:500]
    assert "Room board" in text


async def test_an_attendee_gets_403_from_the_board(hub, browser_for):
    await hub.start("alice")
    carol = await browser_for(hub, "carol")
    for path in ("services/instructor/", BOARD + "-/board", BOARD + "-/events"):
        status, _, text = await carol.get(path)
        assert status == 403, (path, status)
        assert "alice" not in text


async def test_a_service_token_reads_progress_and_nothing_else_of_an_attendee(hub, browser_for):
    """A hub service's token holding access:servers (as the board's does) is confined by labdeck
    to GET notes/-/progress: it cannot open pages, post, or reach the terminal."""
    import aiohttp

    await hub.start("alice")
    async with aiohttp.ClientSession() as http:
        async with http.post(hub.api("users/alice/tokens"), json={},
                             headers={"Authorization": f"token {MAKER_TOKEN}"}) as response:
            assert response.status == 201, await response.text()
            persons_token = (await response.json())["token"]  # alice's own, with access to her server
        headers = {"Authorization": f"token {PROBE_TOKEN}"}
        async with http.get(hub.url + "user/alice/notes/-/progress?user=alice", headers=headers) as response:
            assert response.status == 200, await response.text()
            assert (await response.json())["user"] == "alice"
        for method, path in (("GET", "notes/index"), ("POST", "notes/-/progress"), ("GET", "terminal/"),
                             ("POST", "notes/-/progress/result"), ("POST", "notes/-/progress/reset")):
            async with http.request(method, hub.url + "user/alice/" + path, headers=headers,
                                    allow_redirects=False) as response:
                assert response.status == 403, (method, path, response.status)
        # a person's token in the header is not a way in: people sign in through the browser
        async with http.get(hub.url + "user/alice/notes/-/progress", allow_redirects=False,
                            headers={"Authorization": f"token {persons_token}"}) as response:
            assert response.status != 200
