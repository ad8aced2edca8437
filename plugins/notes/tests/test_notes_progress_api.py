"""The progress API (notes/-/progress): what the notes page and the instructor board read and write."""

from __future__ import annotations

import functools
import logging

import pytest

PAGES = {
    "01-start.md": "# Start\n\n```execute\necho one\n```\n",
    "02-check.md": "# Check\n\n```examiner:execute-test\nname: ready\n```\n\n"
                   "```examiner:execute-test\nname: done\n```\n",
    "03-end.md": "# End\n\nDone.\n",
}


@pytest.fixture
def workshop(pages_folder):
    return pages_folder(PAGES)


@pytest.fixture
def client(progress_client, workshop):
    return functools.partial(progress_client, workshop)


async def test_the_snapshot_lists_the_sequence_with_each_pages_checks_and_the_visits(client):
    http = await client()
    assert (await http.get("/notes/02-check")).status == 200
    body = await (await http.get("/notes/-/progress")).json()
    assert body["version"] == 1 and body["user"] and body["current"] == "02-check"
    assert body["sequence"] == [{"id": "01-start", "title": "Start", "checks": 0},
                                {"id": "02-check", "title": "Check", "checks": 2},
                                {"id": "03-end", "title": "End", "checks": 0}]
    assert list(body["pages"]) == ["02-check"] and body["pages"]["02-check"]["visited"]


async def test_a_block_result_is_kept_and_reset_forgets_everything(client):
    http = await client()
    await http.get("/notes/01-start")
    response = await http.post("/notes/-/progress/result",
                               json={"page": "01-start", "block": "0", "state": "failed", "code": 1, "seconds": 0.02})
    assert response.status == 200 and (await response.json()) == {"saved": True}
    body = await (await http.get("/notes/-/progress")).json()
    assert body["pages"]["01-start"]["blocks"] == {"0": {"state": "failed", "code": 1, "seconds": 0.02}}
    assert (await http.post("/notes/-/progress/reset")).status == 200
    body = await (await http.get("/notes/-/progress")).json()
    assert body["pages"] == {} and body["current"] is None


@pytest.mark.parametrize("fields, says", [
    ({"page": "../etc", "block": "0", "state": "passed"}, "page: not a page"),
    ({"page": "01-start", "block": "x" * 9, "state": "passed"}, "block:"),
    ({"page": "01-start", "block": "0", "state": "hacked"}, "state: one of running, passed, failed"),
    ({"page": "01-start", "block": "0", "state": "failed", "code": "1; DROP TABLE"}, "code:"),
    ({"page": "01-start", "block": "0", "state": "passed", "seconds": -1}, "seconds:"),
])
async def test_a_malformed_result_is_refused_naming_the_field(client, fields, says):
    http = await client()
    response = await http.post("/notes/-/progress/result", json=fields)
    assert response.status == 400 and says in await response.text()
    body = await (await http.get("/notes/-/progress")).json()
    assert body["pages"] == {}


async def test_an_oversized_result_body_is_refused(client):
    http = await client()
    response = await http.post("/notes/-/progress/result", data=b"{" + b" " * 10_000 + b"}",
                               headers={"Content-Type": "application/json"})
    assert response.status == 413


async def test_cross_site_post_cannot_reset_an_attendees_progress(client):
    http = await client()
    await http.get("/notes/02-check")
    response = await http.post("/notes/-/progress/reset", headers={"Origin": "https://evil.example"})
    assert response.status == 403
    assert (await (await http.get("/notes/-/progress")).json())["current"] == "02-check"


async def test_the_notes_root_leads_to_the_page_the_attendee_left_off_at(client):
    http = await client()
    response = await http.get("/notes/", allow_redirects=False)
    assert response.headers["Location"] == "/notes/01-start"
    await http.get("/notes/03-end")
    response = await http.get("/notes/", allow_redirects=False)
    assert response.headers["Location"] == "/notes/03-end"


async def test_a_corrupt_database_gives_empty_progress_and_a_log_line_never_a_500(notes_client, workshop, tmp_path,
                                                                                  caplog):
    damaged = tmp_path / "progress.sqlite"
    damaged.write_bytes(b"this is not SQLite at all" * 100)
    http = await notes_client(workshop, notes_progress_file=damaged)
    with caplog.at_level(logging.ERROR, logger="labdeck.notes.progress"):
        assert (await http.get("/notes/", allow_redirects=False)).headers["Location"] == "/notes/01-start"
        assert (await http.get("/notes/01-start")).status == 200
        body = await (await http.get("/notes/-/progress")).json()
    assert body["current"] == "01-start" and body["problem"] is None  # kept aside, started afresh
    assert "is damaged" in caplog.text and str(damaged) in caplog.text


async def test_an_unwritable_progress_file_leaves_pages_and_api_working(notes_client, workshop, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    http = await notes_client(workshop, notes_progress_file=blocker / "progress.sqlite")
    assert (await http.get("/notes/01-start")).status == 200
    response = await http.post("/notes/-/progress/result", json={"page": "01-start", "block": "0", "state": "passed"})
    assert response.status == 200 and (await response.json()) == {"saved": False}
    body = await (await http.get("/notes/-/progress")).json()
    assert body["pages"] == {} and "progress is not kept" in body["problem"]


async def test_the_board_reads_the_owners_progress_by_name(client):
    http = await client()
    await http.post("/notes/-/progress/result", json={"page": "01-start", "block": "0", "state": "passed"})
    body = await (await http.get("/notes/-/progress", params={"user": "somebody-else"})).json()
    assert (body["user"], body["pages"]) == ("somebody-else", {})
    own = await (await http.get("/notes/-/progress")).json()
    assert (await (await http.get("/notes/-/progress", params={"user": own["user"]})).json())["pages"] == own["pages"]
