"""A lean HTTP/1.1 client for the proxy's commonest request: a GET with no body to a plain-http
upstream, with pooled keep-alive connections and httptools (aiohttp's client cost about 60% of
labdeck's time per proxied request, docs/benchmarks.md). All else goes through aiohttp.

Its timeout is one alarm for every request in flight, set for the earliest deadline, rather than
``asyncio.timeout`` around each: a timer per request (made, then cancelled) cost ≈ 12% of the
proxy's time per request under load (docs/benchmarks.md, fifth round)."""

from __future__ import annotations

import asyncio
import collections
import math
from collections.abc import AsyncIterator, Mapping

import httptools
from multidict import CIMultiDict

#: read no further from an upstream while this much of its answer waits for the browser
HIGH_WATER = 1024 * 1024
#: idle keep-alive connections kept per upstream; more are closed when they come back
MAX_IDLE = 64


class UpstreamClosed(ConnectionError):
    """The upstream closed the connection before it answered."""


class LeanResponse:
    """An upstream's answer: status and headers at once, the body as it arrives."""

    def __init__(self, connection: _Connection):
        self._connection = connection
        self.status, self.reason = 0, ""
        self._raw: list[tuple[str, str]] = []
        self.headers: CIMultiDict = CIMultiDict()
        self.headers_received: asyncio.Future = asyncio.get_running_loop().create_future()
        self._chunks: collections.deque[bytes] = collections.deque()
        self._buffered = 0
        self._waiter: asyncio.Future | None = None
        self.complete = False
        self.error: BaseException | None = None

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("Content-Length")
        return int(value) if value is not None and value.isdigit() else None

    @property
    def close_delimited(self) -> bool:
        return "Content-Length" not in self.headers and "chunked" not in self.headers.get("Transfer-Encoding", "")

    @property
    def content(self) -> LeanResponse:  # the same shape as aiohttp's ``response.content``
        return self

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def feed(self, data: bytes) -> None:
        self._chunks.append(data)
        self._buffered += len(data)
        if self._buffered > HIGH_WATER:
            self._connection.pause()
        self._wake()

    def finish(self) -> None:
        self.complete = True
        self._wake()

    def fail(self, error: BaseException) -> None:
        self.error = error
        if not self.headers_received.done():
            self.headers_received.set_exception(error)
        self._wake()

    async def iter_any(self) -> AsyncIterator[bytes]:
        while True:
            if self._chunks:
                chunk = self._chunks.popleft()
                self._buffered -= len(chunk)
                if self._buffered <= HIGH_WATER // 2:
                    self._connection.resume()
                yield chunk
            elif self.complete:
                return
            elif self.error is not None:
                raise self.error
            else:
                self._waiter = asyncio.get_running_loop().create_future()
                await self._waiter

    async def read(self) -> bytes:
        if self.complete and not self._connection.paused:  # a small answer came whole: no waiting
            body = b"".join(self._chunks)
            self._chunks.clear()
            self._buffered = 0
            return body
        return b"".join([chunk async for chunk in self.iter_any()])

    def release(self) -> None:
        """Give the connection back to the pool when the answer was read to its end."""
        self._connection.done(self)


class _Connection(asyncio.Protocol):
    def __init__(self, pool: LeanPool, key: tuple):
        self.pool = pool
        self.key = key
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.response: LeanResponse | None = None
        self.closed = self.paused = self.used = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._abort(error)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        response = self.response
        if response is None or response.complete:
            return
        if exc is None and response.headers_received.done() and response.close_delimited:
            response.finish()  # a body without length or chunks ends when the connection does
        else:
            response.fail(exc or UpstreamClosed("the upstream closed the connection"))

    # httptools callbacks
    def on_status(self, status: bytes) -> None:
        self.response.reason += status.decode("latin-1")

    def on_header(self, name: bytes, value: bytes) -> None:
        self.response._raw.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        response = self.response
        response.status = self.parser.get_status_code()
        response.headers = CIMultiDict(response._raw)
        if not response.headers_received.done():
            response.headers_received.set_result(None)

    def on_body(self, body: bytes) -> None:
        self.response.feed(bytes(body))

    def on_message_complete(self) -> None:
        response = self.response
        if not self.parser.should_keep_alive():
            self.closed = True
        response.finish()

    # for LeanResponse and the pool
    def pause(self) -> None:
        if not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        if self.paused and self.transport is not None and not self.closed:
            self.paused = False
            self.transport.resume_reading()

    def send(self, head: bytes) -> LeanResponse:
        self.used = True
        self.response = LeanResponse(self)
        self.transport.write(head)
        return self.response

    def done(self, response: LeanResponse) -> None:
        if self.response is not response:
            return
        self.response = None
        if response.complete and not self.closed and not self.paused:
            self.pool.put_back(self)  # its parser reads the next answer on from where this one ended
        else:
            self._abort(None)

    def _abort(self, error: BaseException | None) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()
        if error is not None and self.response is not None:
            self.response.fail(error)


class LeanPool:
    """Keep-alive connections per upstream (host and port, or unix socket)."""

    def __init__(self) -> None:
        self._idle: dict[tuple, list[_Connection]] = collections.defaultdict(list)
        #: answers whose headers have not come yet, and the loop time by which they must
        self._waiting: dict[LeanResponse, float] = {}
        self._alarm: asyncio.TimerHandle | None = None
        self._alarm_at = math.inf

    def _watch(self, response: LeanResponse, deadline: float) -> None:
        self._waiting[response] = deadline
        if deadline < self._alarm_at:
            self._set_alarm(deadline)

    def _set_alarm(self, when: float) -> None:
        if self._alarm is not None:
            self._alarm.cancel()
        self._alarm_at = when
        self._alarm = asyncio.get_running_loop().call_at(when, self._ring)

    def _ring(self) -> None:
        """Fail what is overdue (its ``get`` raises TimeoutError); set the alarm for the next."""
        self._alarm, self._alarm_at = None, math.inf
        now = asyncio.get_running_loop().time()
        for response, deadline in list(self._waiting.items()):
            if deadline <= now:
                del self._waiting[response]
                response.fail(TimeoutError())
        if self._waiting:
            self._set_alarm(min(self._waiting.values()))

    async def _connect(self, key: tuple) -> _Connection:
        loop = asyncio.get_running_loop()
        kind, address = key
        if kind == "unix":
            _, connection = await loop.create_unix_connection(lambda: _Connection(self, key), address)
        else:
            host, port = address
            _, connection = await loop.create_connection(lambda: _Connection(self, key), host, port)
        return connection

    def put_back(self, connection: _Connection) -> None:
        idle = self._idle[connection.key]
        if len(idle) < MAX_IDLE:
            idle.append(connection)
        else:
            connection._abort(None)

    async def get(self, host: str, port: int, unix_socket: str | None, target: str,
                  headers: Mapping[str, str], deadline: float) -> LeanResponse:
        """``GET target``, its headers by ``deadline`` (the loop's time; else TimeoutError); a
        pooled connection closed meanwhile is retried on a new one (OSError: down)."""
        lines = [f"GET {target} HTTP/1.1", f"Host: {host if port == 80 else f'{host}:{port}'}"]
        for name, value in headers.items():
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
                raise ValueError(f"header {name!r} holds a line break")
            lines.append(f"{name}: {value}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        key = ("unix", unix_socket) if unix_socket else ("tcp", (host, port))
        idle = self._idle[key]
        while idle:
            connection = idle.pop()
            if connection.closed:
                continue
            try:
                return await self._exchange(connection, head, deadline)
            except (UpstreamClosed, ConnectionError):
                continue  # went stale while idle: try another
        async with asyncio.timeout_at(deadline):  # a new connection is rare: its own timer is fine
            connection = await self._connect(key)
        return await self._exchange(connection, head, deadline)

    async def _exchange(self, connection: _Connection, head: bytes, deadline: float) -> LeanResponse:
        response = connection.send(head)
        self._watch(response, deadline)
        try:
            await response.headers_received
        except BaseException:  # failed, timed out or cancelled: this connection is done for
            connection._abort(None)
            raise
        finally:
            self._waiting.pop(response, None)
        return response

    def close(self) -> None:
        if self._alarm is not None:
            self._alarm.cancel()
        self._alarm, self._alarm_at = None, math.inf
        self._waiting.clear()
        for connections in self._idle.values():
            for connection in connections:
                connection._abort(None)
        self._idle.clear()
