"""The room board with N attendees: what one poll of the room costs, how soon a move shows, and how
fast the page renders N rows in Chromium.

A stand-in room on loopback (one aiohttp server): the hub's ``GET /hub/api/users`` (paginated by
200, as JupyterHub) and each attendee's ``GET /user/<name>/notes/-/progress`` answering a
snapshot of a 12-page workshop with checks, as labdeck-notes does. The real board (labdeck with the
labdeck-instructor plugin, in this process) polls it every ``--interval`` seconds.

Printed: the time of one pass (hub list + N progress reads) p50/max, requests each attendee gets
per minute, the latency from an attendee's move to the board's event stream showing it (p50/max of
``--moves``), the size of one event, and Chromium's time from opening the board to N rows shown.

    python tests/bench/bench_instructor.py [--attendees 200] [--interval 5] [--moves 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections import Counter

from aiohttp import web
from aiohttp.test_utils import TestServer

import labdeck_instructor
import labdeck_jupyterhub
from labdeck_testing import CHROMIUM, CHROMIUM_ARGS, make_app

PAGES = [{"id": f"step-{i:02d}", "title": f"Step {i}", "checks": None} for i in range(1, 13)]


class StandInRoom:
    def __init__(self, attendees: int):
        self.names = [f"attendee-{i:03d}" for i in range(attendees)]
        self.current = {name: PAGES[i % 6]["id"] for i, name in enumerate(self.names)}
        self.requests: Counter[str] = Counter()

    def progress(self, name: str) -> dict:
        index = next(i for i, page in enumerate(PAGES) if page["id"] == self.current[name])
        pages = {page["id"]: {"visited": 1.0, "seconds": 120.0 + i, "blocks": {"run": {"state": "ok", "code": 0,
                 "seconds": 0.2}}, "checks": {"c": {"state": "passed", "code": 0, "seconds": 0.1}}}
                 for i, page in enumerate(PAGES[:index + 1])}
        return {"version": 1, "user": name, "current": self.current[name], "pages": pages, "sequence": PAGES,
                "problem": None}

    def app(self) -> web.Application:
        async def users(request):
            offset, limit = int(request.query.get("offset", 0)), int(request.query.get("limit", 200))
            chunk = self.names[offset:offset + limit]
            items = [{"name": n, "servers": {"": {"ready": True, "url": f"/user/{n}/",
                                                   "last_activity": "2026-12-06T02:00:00Z"}}} for n in chunk]
            more = offset + limit < len(self.names)
            return web.json_response({"items": items, "_pagination": {
                "offset": offset, "limit": limit, "total": len(self.names),
                "next": {"offset": offset + limit, "limit": limit} if more else None}})

        async def progress(request):
            name = request.match_info["name"]
            self.requests[name] += 1
            return web.json_response(self.progress(name))

        app = web.Application()
        app.router.add_get("/hub/api/users", users)
        app.router.add_get("/user/{name}/notes/-/progress", progress)
        return app


async def main(args: argparse.Namespace) -> None:
    room = StandInRoom(args.attendees)
    stand_in = TestServer(room.app())
    await stand_in.start_server()
    origin = str(stand_in.make_url("")).rstrip("/")
    environ = {"JUPYTERHUB_API_URL": origin + "/hub/api", "JUPYTERHUB_API_TOKEN": "bench",
               "LABDECK_INSTRUCTOR_BOARD": "true", "LABDECK_INSTRUCTOR_PROXY_URL": origin,
               "LABDECK_INSTRUCTOR_INTERVAL": str(args.interval)}
    board_started = time.monotonic()
    board = TestServer(make_app({"instructor": labdeck_instructor, "jupyterhub": labdeck_jupyterhub},
                                environ=environ, auth="none", host="127.0.0.1"))
    await board.start_server()
    url = str(board.make_url("/instructor/"))
    import aiohttp

    passes, latencies, size = [], [], 0
    async with aiohttp.ClientSession() as http:
        async with http.get(url + "-/events") as events:
            async def next_state() -> dict:
                while True:
                    line = await events.content.readline()
                    if line.startswith(b"data: "):
                        return json.loads(line[6:])

            state = await next_state()
            while len(state["rows"]) < args.attendees:
                state = await next_state()
            size = len(json.dumps(state))
            for move in range(args.moves):
                name = room.names[move * 7 % args.attendees]
                target = PAGES[7 + move % 5]["id"]
                room.current[name] = target
                moved = time.monotonic()
                while True:
                    state = await next_state()
                    if state.get("pass_seconds") is not None:
                        passes.append(state["pass_seconds"])
                    if next(r for r in state["rows"] if r["name"] == name)["page"] == target:
                        latencies.append(time.monotonic() - moved)
                        break
                await asyncio.sleep(args.interval * 0.37)  # moves at no particular phase of the poll
            minutes = (time.monotonic() - board_started) / 60
    per_minute = statistics.mean(room.requests[name] for name in room.names) / minutes
    render = await asyncio.to_thread(chromium_render, url, args.attendees)
    await board.close()
    await stand_in.close()
    print(f"attendees {args.attendees}, interval {args.interval}s")
    print(f"one pass (hub list + {args.attendees} progress reads): p50 {statistics.median(passes) * 1000:.0f} ms, "
          f"max {max(passes) * 1000:.0f} ms")
    print(f"requests per attendee per minute: {per_minute:.1f} (progress reads / time the board ran)")
    print(f"move -> board event: p50 {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s "
          f"({len(latencies)} moves)")
    print(f"one event: {size / 1024:.0f} KiB")
    print(f"Chromium, board open -> {args.attendees} rows shown: {render * 1000:.0f} ms")


def chromium_render(url: str, attendees: int) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        started = time.monotonic()
        page.goto(url)
        page.wait_for_function(f"document.querySelectorAll('#board tbody tr').length >= {attendees}",
                               timeout=60000)
        elapsed = time.monotonic() - started
        browser.close()
        return elapsed


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, default=200)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--moves", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
