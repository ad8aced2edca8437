"""A small web app that behaves like a web console, for the tests.

Like the OpenShift console or the Kubernetes dashboard it serves under a base
path, sends a visitor without a session to its own login path (with an
absolute redirect), sets a session cookie on its base path, talks over a
WebSocket and refuses to be framed (X-Frame-Options: DENY, frame-ancestors
'none'). Every request it gets is recorded, so tests can see what arrived.

Run as a program: ``python fake_console.py PORT [BASE_PATH]``.
"""

from __future__ import annotations

import sys

from aiohttp import WSMsgType, web

SEEN = web.AppKey("seen", list)
SESSION = "console-session"

PAGE = """<!doctype html><html><head><title>Fake console</title></head><body>
<h1>Fake console</h1><p id="who">signed in</p><p id="ws">connecting</p>
<script>
const url = new URL("ws", location.href);
url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
const socket = new WebSocket(url);
socket.onopen = () => socket.send("ping");
socket.onmessage = (event) => { document.getElementById("ws").textContent = event.data; };
socket.onerror = () => { document.getElementById("ws").textContent = "websocket failed"; };
</script></body></html>"""

REFUSE_FRAMING = {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'; object-src 'none'"}


def make_app(base: str = "/ui/") -> web.Application:
    async def record(request: web.Request, handler):
        request.app[SEEN].append({"path": request.path, "headers": dict(request.headers),
                                  "cookies": dict(request.cookies)})
        return await handler(request)

    async def home(request: web.Request) -> web.StreamResponse:
        if request.cookies.get(SESSION) != "yes":
            # absolute, on its own origin, as real consoles answer
            raise web.HTTPFound(f"{request.scheme}://{request.host}{base}auth/login")
        return web.Response(text=PAGE, content_type="text/html", headers=REFUSE_FRAMING)

    async def login(request: web.Request) -> web.StreamResponse:
        response = web.HTTPFound(base)
        response.set_cookie(SESSION, "yes", path=base, httponly=True, samesite="Strict")
        raise response

    async def echo(request: web.Request) -> web.Response:
        return web.json_response(request.app[SEEN][-1])

    async def socket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                bearer = request.headers.get("Authorization", "").startswith("Bearer ")
                await ws.send_str(f"pong to {msg.data}" + (" with a bearer token" if bearer else ""))
        return ws

    app = web.Application(middlewares=[web.middleware(record)])
    app[SEEN] = []
    app.router.add_get(base, home)
    app.router.add_get(base + "auth/login", login)
    app.router.add_get(base + "echo", echo)
    app.router.add_get(base + "ws", socket)
    return app


if __name__ == "__main__":
    web.run_app(make_app(*sys.argv[2:3]), host="127.0.0.1", port=int(sys.argv[1]), print=None)
