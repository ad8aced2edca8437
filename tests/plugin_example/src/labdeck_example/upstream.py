"""A small upstream for tests: echoes what it received, redirects, and echoes WebSocket messages."""

import os
import sys

from aiohttp import web


async def echo(request: web.Request) -> web.Response:
    body = await request.read()
    return web.json_response({
        "path": request.path_qs,
        "method": request.method,
        "headers": dict(request.headers),
        "body_length": len(body),
        "pid": os.getpid(),
    })


async def redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound("/base/echo?from=redirect")


async def ws_echo(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(max_msg_size=0)
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == web.WSMsgType.TEXT:
            await ws.send_str(msg.data)
        elif msg.type == web.WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    return ws


def make_app() -> web.Application:
    app = web.Application(client_max_size=64 * 1024**2)
    app.router.add_get("/base/redirect", redirect)
    app.router.add_get("/base/ws", ws_echo)
    app.router.add_route("*", "/base/{tail:.*}", echo)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), host="127.0.0.1", port=int(sys.argv[1]), print=None)
