"""WebSockets: one client cannot make labdeck hold an unbounded message, and a cookie alone
(no Origin, as no browser sends) opens none."""

import asyncio
import base64
import socket
import struct

import aiohttp
import pytest

from labdeck.auth.session import cookie_name
from labdeck.proxy import WS_MAX_MESSAGE
from labdeck_testing import TEST_TOKEN


def frame(opcode: int, payload: bytes, *, fin: bool) -> bytes:
    """A client frame, masked with a zero key (so the payload goes as it is)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    if len(payload) < 126:
        head += bytes([0x80 | len(payload)])
    elif len(payload) < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", len(payload))
    return head + b"\0\0\0\0" + payload


def blast(host: str, port: int, handshake: bytes) -> tuple[bytes, int]:
    """Open a WebSocket and send one message of ever more fragments; labdeck's answer and what was sent."""
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(handshake)
        assert b" 101 " in sock.recv(4096)
        chunk, sent = b"x" * (1 << 20), 0
        try:
            sock.sendall(frame(0x2, chunk, fin=False))
            while sent < 4 * WS_MAX_MESSAGE:
                sock.sendall(frame(0x0, chunk, fin=False))
                sent += len(chunk)
        except OSError:
            pass  # labdeck closed the connection: what it said before is still there to read
        return sock.recv(64), sent


async def test_fragmented_oversized_message_is_closed_with_1009(proxied, upstream_ws_connects):
    client = await proxied()
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))[cookie_name("/")].value
    key = base64.b64encode(b"k" * 16).decode()
    handshake = (f"GET /up/ws HTTP/1.1\r\nHost: {client.host}:{client.port}\r\nUpgrade: websocket\r\n"
                 f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                 f"Origin: http://{client.host}:{client.port}\r\nCookie: {cookie_name('/')}={cookie}\r\n\r\n")
    answer, sent = await asyncio.to_thread(blast, client.host, client.port, handshake.encode())
    assert answer[:2] == b"\x88\x02" and struct.unpack("!H", answer[2:4])[0] == 1009
    assert sent < 2 * WS_MAX_MESSAGE


async def test_cookie_websocket_without_origin_is_refused(proxied, upstream_ws_connects):
    client = await proxied()
    with pytest.raises(aiohttp.WSServerHandshakeError) as error:
        await client.ws_connect("/up/ws")
    assert error.value.status == 403
    assert not upstream_ws_connects


async def test_token_header_websocket_without_origin_passes(labdeck_client, proxy_plugin, upstream):
    client = await labdeck_client({"up": proxy_plugin(f"http://127.0.0.1:{upstream.port}/base/")})
    async with client.ws_connect("/up/ws", headers={"Authorization": f"token {TEST_TOKEN}"}) as ws:
        await ws.send_str("api")
        assert await ws.receive_str() == "api"
