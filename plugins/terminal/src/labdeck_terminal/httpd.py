"""Just enough HTTP/1.1 and WebSocket (RFC 6455) for the terminal server, on ``loop.Loop``.

The terminal server answers a handful of GETs and one WebSocket, mostly to labdeck's proxy on a
unix socket. aiohttp's server costs that process ~25 MiB of RSS and ~0.3 s of CPU to import, and
asyncio ~7 MiB (see loop.py); this module and the loop bring the whole server to ~12 MiB
(docs/benchmarks.md, "Start and memory").

Everything is a callback: a ``Connection`` reads requests from its socket, hands each to the
handler (which answers with a ``Response``, or upgrades the connection to a ``WebSocket`` and
returns None), and buffers what the socket cannot take yet; ``buffered`` and ``on_drain`` let a
sender stop while the peer is slow instead of growing that buffer.
"""

from __future__ import annotations

import base64
import socket
import struct
import sys
from collections.abc import Callable
from urllib.parse import parse_qsl, unquote, urlsplit

from . import log
from .loop import Loop, Timer

try:  # CPython's own SHA-1: hashlib would load OpenSSL (~3 MiB) for this one digest
    from _sha1 import sha1
except ImportError:  # pragma: no cover - a Python built without its builtin hashes
    from hashlib import sha1

HEAD_LIMIT = 16 << 10  # request line + headers
READ_SIZE = 1 << 16
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
#: seconds to wait for the peer's close frame after sending ours
CLOSE_TIMEOUT = 2.0
REASONS = {101: "Switching Protocols", 200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 413: "Content Too Large", 421: "Misdirected Request",
           431: "Request Header Fields Too Large", 500: "Internal Server Error", 501: "Not Implemented"}


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


def parse_head(head: bytes, port: int | None) -> tuple[Request, bool, int]:
    """The request, whether the connection stays open after it, and the length of its body."""
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
    try:
        length = int(headers.get("content-length", "0") or 0)
    except ValueError:
        raise HTTPError(400, "malformed Content-Length") from None
    if not 0 <= length <= HEAD_LIMIT:
        raise HTTPError(413, "request body too large")
    connection = headers.get("connection", "").lower()
    keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
    return Request(method, target, headers, port), keep_alive, length


Handler = Callable[[Request, "Connection"], "Response | None"]


class Connection:
    """One client connection: requests in turn (keep-alive) until one becomes a WebSocket."""

    def __init__(self, loop: Loop, sock: socket.socket, handler: Handler, port: int | None) -> None:
        self.loop, self.sock, self.fd = loop, sock, sock.fileno()
        self.handler, self.port = handler, port
        self.websocket: WebSocket | None = None
        self.on_drain: Callable[[], None] | None = None  # the output buffer has emptied
        self.on_close: Callable[[], None] | None = None  # the connection is gone, whoever closed it
        self.closed = False
        self._in = bytearray()
        self._out = bytearray()
        self._closing = False  # close once the output is flushed
        sock.setblocking(False)
        loop.add_reader(self.fd, self._readable)

    @property
    def buffered(self) -> int:
        """Bytes written but not yet taken by the socket."""
        return len(self._out)

    # -- input -------------------------------------------------------------------------------

    def _readable(self) -> None:
        try:
            data = self.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.close()
            return
        if not data:  # the peer has shut down its side: what we still owe it goes out first
            if self.websocket:
                self.websocket.lost()
            self.close_after_flush()
            return
        self._in += data
        try:
            if self.websocket:
                self.websocket.feed(self._in)
            else:
                self._requests()
        except Exception:  # a bug must cost one connection, not the server
            log.error("connection failed", exc_info=sys.exc_info())
            self.close()

    def _requests(self) -> None:
        """Answer every complete request in the input (keep-alive) until one upgrades."""
        while not (self.closed or self._closing or self.websocket):
            end = self._in.find(b"\r\n\r\n", 0, HEAD_LIMIT + 4)
            if end < 0:
                if len(self._in) > HEAD_LIMIT:
                    self.respond(Response("request headers too large", status=431), False, False)
                return
            head_only, keep_alive = False, False
            try:
                request, keep_alive, length = parse_head(bytes(self._in[:end]), self.port)
                if len(self._in) < end + 4 + length:
                    return  # the body is on its way
                del self._in[:end + 4 + length]
                head_only = request.method == "HEAD"
                if request.method not in ("GET", "HEAD"):
                    raise HTTPError(405, "only GET here")
                response = self.handler(request, self)
            except HTTPError as error:
                response = Response(error.text, status=error.status)
            except ValueError:  # a target or Host that urlsplit refuses, say
                response, keep_alive = Response("malformed request", status=400), False
            if self.websocket:  # upgraded: what came after the request is the WebSocket's
                if response is not None:  # an error after the 101 can only be answered by closing
                    self.close()
                elif self._in:
                    self.websocket.feed(self._in)
                return
            self.respond(response, head_only, keep_alive)

    # -- output ------------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        if self.closed or self._closing:
            return
        if not self._out:
            try:
                sent = self.sock.send(data)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                self.close()
                return
            if sent == len(data):
                return
            data = memoryview(data)[sent:]
            self.loop.add_writer(self.fd, self._writable)
        self._out += data

    def _writable(self) -> None:
        try:
            sent = self.sock.send(self._out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.close()
            return
        del self._out[:sent]
        if self._out:
            return
        self.loop.remove_writer(self.fd)
        if self._closing:
            self.close()
        elif self.on_drain:
            self.on_drain()

    def respond(self, response: Response, head_only: bool, keep_alive: bool) -> None:
        headers = {**response.headers, "Content-Length": str(len(response.body)),
                   "Connection": "keep-alive" if keep_alive else "close"}
        lines = [f"HTTP/1.1 {response.status} {REASONS.get(response.status, '')}"]
        lines += [f"{key}: {value}" for key, value in headers.items()]
        self.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head_only else response.body))
        if not keep_alive:
            self.close_after_flush()

    def websocket_upgrade(self, request: Request, max_size: int) -> WebSocket:
        """Answer 101 and make this connection a WebSocket."""
        key = request.headers.get("sec-websocket-key", "")
        if request.headers.get("upgrade", "").lower() != "websocket" or not key:
            raise HTTPError(400, "a WebSocket upgrade was expected here")
        accept = base64.b64encode(sha1(key.encode() + WS_GUID).digest()).decode()  # noqa: S324 (RFC 6455 says SHA-1)
        self.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
        self.websocket = WebSocket(self, max_size)
        return self.websocket

    # -- the end -----------------------------------------------------------------------------

    def close_after_flush(self) -> None:
        if not self._out:
            self.close()
        else:
            self._closing = True
            self.loop.remove_reader(self.fd)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.loop.remove_reader(self.fd)
        self.loop.remove_writer(self.fd)
        try:  # input left unread would make the kernel reset the connection, and the peer lose our answer
            for _ in range(16):
                if not self.sock.recv(READ_SIZE):
                    break
        except OSError:
            pass
        self.sock.close()
        self._in.clear()
        self._out.clear()
        if self.websocket:
            self.websocket.lost()
        if self.on_close:
            self.on_close()


class WebSocket:
    """One accepted WebSocket. ``on_message`` gets each message (``str`` for text) and ``on_close``
    runs once when the peer has closed or gone; pings are answered here."""

    def __init__(self, connection: Connection, max_size: int) -> None:
        self.connection, self._max_size = connection, max_size
        self.on_message: Callable[[bytes | str], None] = lambda message: None
        self.on_close: Callable[[], None] = lambda: None
        self.peer_closed = False
        self._close_sent = False
        self._close_timer: Timer | None = None
        self._parts: list[bytes] = []
        self._kind = 0

    def feed(self, buffer: bytearray) -> None:
        """Take every complete frame from ``buffer``."""
        while not self.peer_closed and len(buffer) >= 2:
            second = buffer[1]
            length, offset = second & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                (length,), offset = struct.unpack_from("!H", buffer, 2), 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                (length,), offset = struct.unpack_from("!Q", buffer, 2), 10
            if not second & 0x80 or length > self._max_size:
                self._fail()  # unmasked or oversized
                return
            if len(buffer) < offset + 4 + length:
                return
            first = buffer[0]
            mask = bytes(buffer[offset:offset + 4])
            data = bytes(buffer[offset + 4:offset + 4 + length])
            del buffer[:offset + 4 + length]
            if length:
                repeated = (mask * (length // 4 + 1))[:length]
                data = (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(length, "big")
            self._frame(first & 0x0F, bool(first & 0x80), data)

    def _frame(self, opcode: int, final: bool, data: bytes) -> None:
        if opcode == PING:
            self._send(PONG, data)
        elif opcode == CLOSE:
            self._send_close(data[:2] if len(data) >= 2 else struct.pack("!H", 1000))
            self.lost()
            self.connection.close_after_flush()
        elif opcode in (TEXT, BINARY, CONTINUATION):
            self._kind = opcode or self._kind
            self._parts.append(data)
            if sum(map(len, self._parts)) > self._max_size:
                self._fail()  # message too big
                return
            if final:
                message = b"".join(self._parts)
                self._parts.clear()
                self.on_message(message.decode("utf-8", "replace") if self._kind == TEXT else message)

    def lost(self) -> None:
        """The peer has closed or gone: nothing more comes in."""
        if not self.peer_closed:
            self.peer_closed = True
            if self._close_timer:
                self._close_timer.cancel()
            self.on_close()

    def _fail(self) -> None:
        self.connection.close()

    def _send(self, opcode: int, data: bytes) -> None:
        length = len(data)
        if length < 126:
            head = struct.pack("!BB", 0x80 | opcode, length)
        elif length < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 126, length)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, length)
        self.connection.write(head + data)

    def send_bytes(self, data: bytes) -> None:
        self._send(BINARY, data)

    def send_str(self, text: str) -> None:
        self._send(TEXT, text.encode())

    def _send_close(self, payload: bytes) -> None:
        if not self._close_sent:
            self._close_sent = True
            self._send(CLOSE, payload)

    def close(self, code: int = 1000, message: bytes = b"") -> None:
        """Send a close frame after what is queued, wait (briefly) for the peer's, then drop the connection."""
        self._send_close(struct.pack("!H", code) + message[:120])
        if self.peer_closed:
            self.connection.close_after_flush()
        elif self._close_timer is None:
            self._close_timer = self.connection.loop.call_later(CLOSE_TIMEOUT, self.connection.close)


class Server:
    """Accepts connections on a listening socket and serves each with ``handler``."""

    def __init__(self, loop: Loop, sock: socket.socket, handler: Handler) -> None:
        self.loop, self.sock, self.handler = loop, sock, handler
        name = sock.getsockname()
        self.port = name[1] if isinstance(name, tuple) else None  # --port 0: the kernel's choice
        sock.setblocking(False)
        loop.add_reader(sock.fileno(), self._accept)

    def _accept(self) -> None:
        for _ in range(64):
            try:
                client, _address = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:  # out of file descriptors, say: pause rather than spin on it
                log.warning("accept failed: %s; trying again in a second", error)
                self.loop.remove_reader(self.sock.fileno())
                self.loop.call_later(1.0, self._resume)
                return
            Connection(self.loop, client, self.handler, self.port)

    def _resume(self) -> None:
        if self.sock.fileno() >= 0:  # not closed meanwhile
            self.loop.add_reader(self.sock.fileno(), self._accept)

    def close(self) -> None:
        self.loop.remove_reader(self.sock.fileno())
        self.sock.close()
