"""From progress to the board's rows: page k of n, checks passed, the room's median, who is stuck."""

from labdeck_instructor.room import StuckRule, rows

SEQUENCE = [{"id": "intro", "title": "Welcome"}, {"id": "one", "title": "First"}, {"id": "two", "title": "Second"}]
RULE = StuckRule(factor=2.0, min_seconds=300.0, min_peers=2)


def progress(current, seconds, checks=None):
    pages = {"intro": {"visited": 1.0, "seconds": 60.0, "checks": {}}}
    pages[current] = {"visited": 2.0, "seconds": seconds, "checks": checks or {}}
    return {"version": 1, "current": current, "pages": pages, "sequence": SEQUENCE, "problem": None}


SERVERS = {name: {"last_activity": "2026-12-06T02:00:00Z"} for name in ("ann", "ben", "cat", "dan")}


def test_each_row_says_page_k_of_n_with_its_title_and_checks_passed():
    room = {name: progress("one", 100.0) for name in SERVERS}
    room["ann"] = progress("two", 50.0, {"a": {"state": "passed"}, "b": {"state": "failed"}})
    board = {row["name"]: row for row in rows(SERVERS, room, RULE)}
    assert (board["ann"]["index"], board["ann"]["pages"], board["ann"]["title"], board["ann"]["checks"]) == \
        (3, 3, "Second", 1)
    assert (board["ben"]["index"], board["ben"]["title"], board["ben"]["median"]) == (2, "First", 100.0)
    assert [row["name"] for row in rows(SERVERS, room, RULE)] == ["ann", "ben", "cat", "dan"]


def test_far_above_the_rooms_median_is_stuck_but_not_before_the_minimum():
    room = {name: progress("one", 200.0) for name in SERVERS}
    room["dan"] = progress("one", 900.0)
    board = {row["name"]: row for row in rows(SERVERS, room, RULE)}
    assert board["dan"]["stuck"] and "median" in board["dan"]["why"]
    assert not any(board[name]["stuck"] for name in ("ann", "ben", "cat"))
    room["dan"] = progress("one", 290.0)  # above twice the median, but under five minutes
    assert not {row["name"]: row for row in rows(SERVERS, room, RULE)}["dan"]["stuck"]


def test_a_failing_check_after_the_minimum_time_is_stuck():
    room = {name: progress("one", 400.0) for name in SERVERS}
    room["cat"] = progress("one", 400.0, {"x": {"state": "failed"}})
    board = {row["name"]: row for row in rows(SERVERS, room, RULE)}
    assert board["cat"]["stuck"] and "failing check" in board["cat"]["why"]
    assert not board["ann"]["stuck"]


def test_a_median_of_too_few_attendees_flags_nobody():
    servers = {"ann": SERVERS["ann"], "ben": SERVERS["ben"]}
    board = rows(servers, {"ann": progress("two", 2000.0), "ben": progress("two", 10.0)}, RULE)
    assert not any(row["stuck"] for row in board)


def test_a_server_without_progress_still_has_a_row_saying_why():
    board = rows(SERVERS, {"ann": {"problem": "their labdeck answered HTTP 502"}}, RULE)
    ann = next(row for row in board if row["name"] == "ann")
    assert ann["page"] is None and ann["problem"] == "their labdeck answered HTTP 502"
    assert next(row for row in board if row["name"] == "ben")["problem"] == "no progress yet"
