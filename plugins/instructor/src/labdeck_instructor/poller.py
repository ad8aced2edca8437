"""The room, polled: the hub's running servers, then each attendee's progress, every ``interval``.

One pass asks the hub once for the users with a running server (paginated), then every attendee's
labdeck once (``GET <server>notes/-/progress`` with the service's own hub token; at most
``concurrency`` at a time), so each attendee sees one small request per ``interval`` seconds
however many instructors watch: browsers get the board from here (SSE), never from the attendees.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any
from urllib.parse import quote, urljoin

import aiohttp

from .room import StuckRule, rows

log = logging.getLogger("labdeck.instructor")

PAGINATED = "application/jupyterhub-pagination+json"


class Room:
    """The latest board and a version number that changes with it; ``wait`` for a newer one."""

    def __init__(self, *, api_url: str, api_token: str, proxy_url: str, interval: float, rule: StuckRule,
                 concurrency: int = 20):
        self.api_url = api_url.rstrip("/")
        self.proxy_url = proxy_url.rstrip("/") + "/"
        self.headers = {"Authorization": f"token {api_token}", "Accept": "application/json"}
        self.interval = interval
        self.rule = rule
        self.limit = asyncio.Semaphore(concurrency)
        self.board: list[dict[str, Any]] = []
        self.servers: dict[str, dict[str, Any]] = {}  #: the running servers of the last poll, by user
        self.version = 0
        self.problem: str | None = "not polled yet"
        self.pass_seconds: float | None = None  #: how long the last pass took (for the bench and the page)
        self._changed = asyncio.Condition()
        self._http: aiohttp.ClientSession | None = None

    async def wait(self, version: int, seconds: float) -> None:
        """Return when the board is newer than ``version``, or after ``seconds``."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait_for(lambda: self.version != version), seconds)

    async def run(self) -> None:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=max(self.interval, 5)),
                                           cookie_jar=aiohttp.DummyCookieJar())
        try:
            while True:
                started = time.monotonic()
                try:
                    await self.poll()
                except Exception:  # a bug in one pass must not end the board: log it, poll again
                    log.exception("room board: a poll failed")
                self.pass_seconds = time.monotonic() - started
                await asyncio.sleep(max(self.interval - self.pass_seconds, 0.2))
        finally:
            await self._http.close()

    async def poll(self) -> None:
        try:
            servers = await self.running()
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            await self.publish(self.board, f"the hub's user list: {type(error).__name__} {error}")
            return
        self.servers = servers
        names = sorted(servers)
        progresses = await asyncio.gather(*(self.progress(name, servers[name]) for name in names))
        await self.publish(rows(servers, dict(zip(names, progresses, strict=True)), self.rule), None)

    async def publish(self, board: list[dict[str, Any]], problem: str | None) -> None:
        if problem:
            log.warning("room board: %s", problem)
        if board != self.board or problem != self.problem:
            async with self._changed:
                self.board, self.problem = board, problem
                self.version += 1
                self._changed.notify_all()

    async def running(self) -> dict[str, dict[str, Any]]:
        """name -> the default server's model, for every user whose server is ready."""
        found, offset = {}, 0
        while True:
            url = f"{self.api_url}/users?state=ready&offset={offset}&limit=200"
            async with self._http.get(url, headers={**self.headers, "Accept": PAGINATED}) as response:
                response.raise_for_status()
                body = await response.json()
            items = body["items"] if isinstance(body, dict) else body
            for user in items:
                server = (user.get("servers") or {}).get("")
                if server and server.get("ready"):
                    found[user["name"]] = server
            following = body.get("_pagination", {}).get("next") if isinstance(body, dict) else None
            if not following:
                return found
            offset = following["offset"]

    async def progress(self, name: str, server: dict[str, Any]) -> dict[str, Any]:
        """The attendee's progress, or ``{"problem": why}`` (one broken server never hides the rest)."""
        url = urljoin(self.proxy_url, server["url"]) + f"notes/-/progress?user={quote(name)}"
        try:
            async with self.limit, self._http.get(url, headers=self.headers, allow_redirects=False) as response:
                if response.status != 200:
                    return {"problem": f"their labdeck answered HTTP {response.status}"}
                body = await response.json()
                return body if isinstance(body, dict) else {"problem": "their labdeck's progress is not an object"}
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            return {"problem": f"their labdeck did not answer ({type(error).__name__})"}

    async def post(self, name: str, path: str, body: dict[str, Any]) -> str | None:
        """POST ``body`` to ``path`` of the attendee's labdeck; None, or why it failed."""
        server = self.servers.get(name)
        if server is None:
            return f"{name} has no running server"
        try:
            async with self.limit, self._http.post(urljoin(self.proxy_url, server["url"]) + path, json=body,
                                                   headers=self.headers, allow_redirects=False) as response:
                return None if response.status == 200 else f"their labdeck answered HTTP {response.status}"
        except (aiohttp.ClientError, TimeoutError) as error:
            return f"their labdeck did not answer ({type(error).__name__})"

    async def handled(self, name: str, at: float) -> str | None:
        """Lower ``name``'s hand raised at ``at`` (a newer one stays up) and take it off the board."""
        problem = await self.post(name, "notes/-/progress/hand", {"lower": True, "at": at, "user": name})
        if problem is None:
            board = [{**row, "hand": None} if row["name"] == name and (row.get("hand") or {}).get("at") == at
                     else row for row in self.board]
            await self.publish(board, self.problem)
        return problem

    async def broadcast(self, message: str, sender: str) -> dict[str, str | None]:
        """Send ``message`` to every running attendee's labdeck: name -> None, or why it failed."""
        names = sorted(self.servers)
        problems = await asyncio.gather(*(self.post(name, "notes/-/broadcast", {"message": message, "from": sender})
                                          for name in names))
        return dict(zip(names, problems, strict=True))
