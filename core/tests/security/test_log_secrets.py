"""A request aiohttp cannot parse is logged without its bytes: no Cookie, no Authorization."""

import socket
from urllib.parse import urlsplit


def test_malformed_request_logs_no_credentials(labdeck_server):
    server = labdeck_server(env={"LABDECK_LOG_LEVEL": "debug"})
    url = urlsplit(server.url)
    for bad in (b"Cookie: labdeck-session-x=COOKIE-SECRET\x01\r\n", b"Authorization: Basic PASSWORD-SECRET\x7f\r\n",
                b"Cookie: COOKIE-SECRET\r\nAuthorization: token PASSWORD-SECRET\r\nX-Bad\x01: 1\r\n"):
        with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n" + bad + b"\r\n")
            assert b" 400 " in sock.recv(4096)
    server.stop()
    log = "".join(server.output)
    assert "bad request from 127.0.0.1 refused" in log
    assert "COOKIE-SECRET" not in log and "PASSWORD-SECRET" not in log
