"""Just enough HTTP/1.1 and WebSocket (RFC 6455) on asyncio streams for the terminal server.

The terminal server answers a handful of GETs and one WebSocket, mostly to labdeck's proxy on a
unix socket. aiohttp's server costs that process ~25 MiB of RSS and ~0.3 s of CPU to import, more
than the rest of it; this module brings it to ~16 MiB (docs/benchmarks.md, "Start and memory").
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import struct
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from urllib.parse import parse_qsl, unquote, urlsplit

try:  # CPython's own SHA-1: hashlib would load OpenSSL (~3 MiB) for this one digest
    from _sha1 import sha1
except ImportError:  # pragma: no cover - a Python built without its builtin hashes
    from hashlib import sha1

HEAD_LIMIT = 16 << 10  # request line + headers
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class HTTPError(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status, self.text = status, text


class Request:
    def __init__(self, method: str, target: str, headers: dict[str, str], port: int | None) -> None:
        parts = urlsplit(target)
        self.method, self.headers, self.port = method, headers, port  # port: the bound TCP port
        self.raw_path = parts.path or "/"
        self.query = dict(parse_qsl(parts.query))
        self.segments = [unquote(segment) for segment in self.raw_path.split("/")[1:]]
        self.cookies = {}
        for item in headers.get("cookie", "").split(";"):
            key, _, value = item.strip().partition("=")
            self.cookies.setdefault(key, value)


class Response:
    def __init__(self, body: bytes | str = b"", status: int = 200, content_type: str = "text/plain; charset=utf-8",
                 headers: dict[str, str] | None = None) -> None:
        self.body = body.encode() if isinstance(body, str) else body
        self.status, self.headers = status, {"Content-Type": content_type, **(headers or {})}


class WebSocket:
    """One accepted WebSocket. A reader task owns the socket's input (so cancelling a ``receive``
    never cuts a frame in half); it answers pings and the peer's close, and queues messages."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, max_size: int) -> None:
        self._reader, self._writer, self._max_size = reader, writer, max_size
        self._messages: asyncio.Queue[bytes | str | None] = asyncio.Queue(16)  # full: stop reading the socket
        self._peer_closed = asyncio.Event()
        self._close_sent = False
        self._task = asyncio.create_task(self._read_loop())

    async def _frame(self) -> tuple[int, bool, bytes]:
        first, second = await self._reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self._reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self._reader.readexactly(8))
        if not second & 0x80 or length > self._max_size:
            raise ConnectionError("unmasked or oversized frame")
        mask = await self._reader.readexactly(4)
        data = await self._reader.readexactly(length)
        if length:
            repeated = (mask * (length // 4 + 1))[:length]
            data = (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(length, "big")
        return first & 0x0F, bool(first & 0x80), data

    async def _read_loop(self) -> None:
        parts: list[bytes] = []
        kind = 0
        try:
            while True:
                opcode, final, data = await self._frame()
                if opcode == PING:
                    await self._send(PONG, data)
                elif opcode == CLOSE:
                    await self._send_close(data[:2] if len(data) >= 2 else struct.pack("!H", 1000))
                    return
                elif opcode in (TEXT, BINARY, CONTINUATION):
                    kind = opcode or kind
                    parts.append(data)
                    if sum(map(len, parts)) > self._max_size:
                        raise ConnectionError("message too big")
                    if final:
                        message = b"".join(parts)
                        parts.clear()
                        await self._messages.put(message.decode("utf-8", "replace") if kind == TEXT else message)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            self._peer_closed.set()
            with contextlib.suppress(asyncio.QueueFull):
                self._messages.put_nowait(None)

    async def receive(self) -> bytes | str | None:
        """The next message (``str`` for text), or None once the peer has closed."""
        if self._peer_closed.is_set() and self._messages.empty():
            return None
        return await self._messages.get()

    def __aiter__(self) -> WebSocket:
        return self

    async def __anext__(self) -> bytes | str:
        message = await self.receive()
        if message is None:
            raise StopAsyncIteration
        return message

    async def _send(self, opcode: int, data: bytes) -> None:
        length = len(data)
        if length < 126:
            head = struct.pack("!BB", 0x80 | opcode, length)
        elif length < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 126, length)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, length)
        self._writer.write(head + data)
        await self._writer.drain()

    async def send_bytes(self, data: bytes) -> None:
        await self._send(BINARY, data)

    async def send_str(self, text: str) -> None:
        await self._send(TEXT, text.encode())

    async def _send_close(self, payload: bytes) -> None:
        if not self._close_sent:
            self._close_sent = True
            with contextlib.suppress(ConnectionError, OSError):
                await self._send(CLOSE, payload)

    async def close(self, code: int = 1000, message: bytes = b"") -> None:
        """Send a close frame, wait (briefly) for the peer's, then drop the connection."""
        await self._send_close(struct.pack("!H", code) + message[:120])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._peer_closed.wait(), 2.0)
        self._task.cancel()
        self._writer.close()


Handler = Callable[[Request, "Connection"], Awaitable[Response | None]]


class Connection:
    """One client connection: requests in turn (keep-alive) until one becomes a WebSocket."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.upgraded = False

    async def websocket(self, request: Request, max_size: int) -> WebSocket:
        key = request.headers.get("sec-websocket-key", "")
        if request.headers.get("upgrade", "").lower() != "websocket" or not key:
            raise HTTPError(400, "a WebSocket upgrade was expected here")
        accept = base64.b64encode(sha1(key.encode() + WS_GUID).digest()).decode()  # noqa: S324 (RFC 6455 says SHA-1)
        self.writer.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
        await self.writer.drain()
        self.upgraded = True
        return WebSocket(self.reader, self.writer, max_size)

    async def respond(self, response: Response, head_only: bool, keep_alive: bool) -> None:
        reason = HTTPStatus(response.status).phrase
        headers = {**response.headers, "Content-Length": str(len(response.body)),
                   "Connection": "keep-alive" if keep_alive else "close"}
        lines = [f"HTTP/1.1 {response.status} {reason}"] + [f"{key}: {value}" for key, value in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head_only else response.body))
        await self.writer.drain()


async def read_request(reader: asyncio.StreamReader, port: int | None) -> tuple[Request, bool] | None:
    """The next request and whether the connection stays open after it; None at the end."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError:
        raise HTTPError(431, "request headers too large") from None
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, version = lines[0].split(" ")
    except ValueError:
        raise HTTPError(400, "malformed request line") from None
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        if key:
            headers[key.strip().lower()] = value.strip()
    if "transfer-encoding" in headers:
        raise HTTPError(501, "request bodies are not accepted here")
    length = int(headers.get("content-length", "0") or 0)
    if length > HEAD_LIMIT:
        raise HTTPError(413, "request body too large")
    await reader.readexactly(length)
    connection = headers.get("connection", "").lower()
    keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
    return Request(method, target, headers, port), keep_alive


async def serve_connection(handler: Handler, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    sockname = writer.get_extra_info("sockname")
    port = sockname[1] if isinstance(sockname, tuple) else None
    connection = Connection(reader, writer)
    try:
        while True:
            keep_alive, head_only = False, False
            try:
                parsed = await read_request(reader, port)
                if parsed is None:
                    return
                request, keep_alive = parsed
                head_only = request.method == "HEAD"
                if request.method not in ("GET", "HEAD"):
                    raise HTTPError(405, "only GET here")
                response = await handler(request, connection)
            except HTTPError as error:
                response = Response(error.text, status=error.status)
            if connection.upgraded or response is None:
                return
            await connection.respond(response, head_only, keep_alive)
            if not keep_alive:
                return
    except (ConnectionError, OSError, asyncio.IncompleteReadError, UnicodeDecodeError, ValueError):
        pass
    finally:
        writer.close()
