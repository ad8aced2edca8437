"""The terminal server: ``python -m labdeck_terminal.server --socket PATH``.

A process of its own (run by ``labdeck serve`` or supervisord) so that shells and
their scrollback outlive restarts of the web process. It serves, relative to
wherever labdeck mounts it (``<prefix>terminal/``):

- ``/`` and ``/session/<name>``: the terminal page,
- ``/static/...``: its JavaScript and CSS (xterm.js under ``static/vendor/``),
- ``/ws/session/<name>``: the WebSocket (protocol in docs/terminal.md),
- ``/ws/view/<name>``: the same, read-only, for a running session only (the instructor's shadow
  view): output and scrollback go out; input, resizes and signals sent back are dropped here,
- ``/sessions``: JSON list of running sessions.

Every URL the page uses is relative, so the server never needs to know the prefix.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hmac
import html
import json
import logging
import os
import secrets
import signal
import socket
import sys
import time
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from .options import ServerOptions, parse_args
from .pty import Session, Viewer
from .sessions import NAME, SessionLimit, Sessions, ShellConfig

log = logging.getLogger("labdeck.terminal")

PACKAGE = Path(__file__).parent
STATIC = PACKAGE / "static"
PAGE = Template((PACKAGE / "templates" / "terminal" / "page.html").read_text())

SESSIONS = web.AppKey("sessions", Sessions)
VIEWERS = web.AppKey("viewers", dict)  # Viewer -> the task of its WebSocket handler
WATCHERS = web.AppKey("watchers", dict)  # read-only Viewer -> who watches (``?by=``), told to the others
OPTIONS = web.AppKey("options", ServerOptions)

#: close codes (documented in docs/terminal.md)
CLOSE_GONE = 4404  # asked for a session id that no longer exists
CLOSE_LIMIT = 4429  # session limit reached
CLOSE_BAD_NAME = 4400
CLOSE_TOO_SLOW = 4408  # did not acknowledge output for too long; reconnect for a replay
CLOSE_SHUTDOWN = 1001


# -- HTTP ------------------------------------------------------------------------------------

async def page(request: web.Request) -> web.Response:
    name = request.match_info.get("name", "1")
    if not NAME.match(name):
        raise web.HTTPNotFound(text="a session name is letters, digits, '.', '_' or '-'")
    root = "./" if request.path.rstrip("/") == "" else "../"
    body = PAGE.substitute(session=html.escape(name), root=root)
    return web.Response(text=body, content_type="text/html", headers={"Cache-Control": "no-store"})


async def list_sessions(request: web.Request) -> web.Response:
    sessions = request.app[SESSIONS]
    return web.json_response([
        {"name": s.name, "id": s.id, "pid": s.pid, "viewers": len(s.viewers), "created": s.created,
         "cols": s.cols, "rows": s.rows}
        for s in sessions.by_name.values()
    ])


# -- WebSocket -------------------------------------------------------------------------------

def _size(request: web.Request) -> tuple[int, int]:
    try:
        cols = int(request.query.get("cols", 80))
        rows = int(request.query.get("rows", 24))
    except ValueError:
        cols, rows = 80, 24
    return max(2, min(cols, 1000)), max(2, min(rows, 500))


def origin_allowed(request: web.Request) -> bool:
    """On TCP (benchmarks, debugging) a browser's Origin must name this host. On the unix
    socket only labdeck's proxy can connect (the socket is 0600 in a 0700 folder), and
    the proxy has already checked Origin against the public host."""
    origin = request.headers.get("Origin")
    if request.app[OPTIONS].socket or not origin:
        return True
    return urlsplit(origin).netloc == request.host


LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


@web.middleware
async def tcp_guard(request: web.Request, handler):
    """TCP mode (``--port``): any local user, and any web page through DNS rebinding (its own
    name pointed at 127.0.0.1), can reach the port. So Host must name this machine, and every
    request carries the token: ``?token=`` (which sets a cookie for the page's other requests),
    the cookie, or ``Authorization: Bearer``."""
    options = request.app[OPTIONS]
    host = urlsplit("//" + request.headers.get("Host", "")).hostname or ""
    if host not in LOOPBACK | {options.host} - {"0.0.0.0", "::"}:
        raise web.HTTPMisdirectedRequest(text="the terminal server answers only to its own host names")
    cookie = f"labdeck_terminal_{request.transport.get_extra_info('sockname')[1]}"  # the bound port (--port 0)
    given = (request.query.get("token") or request.cookies.get(cookie)
             or request.headers.get("Authorization", "").removeprefix("Bearer "))
    if not hmac.compare_digest(given.encode(), options.token.encode()):
        raise web.HTTPUnauthorized(text="the terminal server wants its token (?token=, logged at its start)")
    response = await handler(request)
    if "token" in request.query and not response.prepared:
        response.set_cookie(cookie, options.token, httponly=True, samesite="Strict")
    return response


async def websocket(request: web.Request) -> web.WebSocketResponse:
    if not origin_allowed(request):
        raise web.HTTPForbidden(text="cross-origin WebSocket refused")
    ws = web.WebSocketResponse(max_msg_size=4 << 20, compress=False)
    await ws.prepare(request)
    name = request.match_info["name"]
    if not NAME.match(name):
        await _refuse(ws, "bad-name", "a session name is letters, digits, '.', '_' or '-'", CLOSE_BAD_NAME)
        return ws
    sessions = request.app[SESSIONS]
    cols, rows = _size(request)
    wanted = request.query.get("id")
    readonly = request.match_info.get("mode") == "view"
    session = sessions.get(name)
    if (wanted or readonly) and (session is None or (wanted and session.id != wanted)):
        await _refuse(ws, "gone", "this session has ended", CLOSE_GONE)
        return ws
    new = False
    try:
        if not readonly:  # a viewer never starts a shell
            session, new = sessions.open(name, cols, rows)
    except SessionLimit as error:
        await _refuse(ws, "limit", str(error), CLOSE_LIMIT)
        return ws
    except OSError as error:
        log.error("session %s: cannot start the shell: %s", name, error)
        await _refuse(ws, "spawn", f"cannot start the shell: {error}", 1011)
        return ws

    if readonly:  # the session's own size: attaching must not resize the attendee's terminal
        cols, rows = session.cols, session.rows
    viewer = Viewer(cols, rows)
    viewer.send({"t": "hello", "session": name, "id": session.id, "new": new, "pid": session.pid,
                 "cols": cols, "rows": rows, "viewers": len(session.viewers) + 1,
                 "window": sessions.window, "readonly": readonly})
    session.attach(viewer)
    request.app[VIEWERS][viewer] = asyncio.current_task()
    watchers = request.app[WATCHERS]
    if readonly:
        watchers[viewer] = request.query.get("by", "")[:64] or "someone"
    _tell_watched(session, watchers, everyone=readonly)
    pump = asyncio.create_task(_pump(ws, viewer))
    reading = asyncio.create_task(_watch(ws, session, viewer) if readonly else _read(ws, session, viewer))
    try:
        try:
            await asyncio.wait((pump, reading), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (pump, reading):
                task.cancel()
            await asyncio.gather(pump, reading, return_exceptions=True)
            session.detach(viewer)
            if watchers.pop(viewer, None) is not None:
                _tell_watched(session, watchers, everyone=True)
        # Close only now that nothing receives: aiohttp's close() racing a receive() drops the
        # connection without waiting for the client's close, and a client then writing (an ack)
        # gets EPIPE and never reads the frames left in its buffer (the exit, the close code).
        code, reason = viewer.closing or (1000, b"")
        await ws.close(code=code, message=reason)
    finally:
        request.app[VIEWERS].pop(viewer, None)
    return ws


async def _read(ws: web.WebSocketResponse, session: Session, viewer: Viewer) -> None:
    async for message in ws:  # ends when the client closes
        if message.type == WSMsgType.BINARY:
            _typed(session, viewer, message.data)
        elif message.type == WSMsgType.TEXT:
            _control(session, viewer, message.data)


def _tell_watched(session: Session, watchers: dict, *, everyone: bool) -> None:
    """Tell the session's own viewers who watches it read-only (their page shows a notice): all of
    them when a watcher came or went (``everyone``), else only a newcomer, and only if someone does."""
    names = sorted({watchers[v] for v in session.viewers if v in watchers})
    for viewer in session.viewers:
        if viewer not in watchers and (everyone or (names and viewer is session.viewers[-1])):
            viewer.send({"t": "watched", "by": names})


async def _watch(ws: web.WebSocketResponse, session: Session, viewer: Viewer) -> None:
    """A read-only viewer: only its acknowledgements count; input, resizes and signals are dropped."""
    async for message in ws:
        if message.type == WSMsgType.TEXT:
            with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
                control = json.loads(message.data)
                if control["t"] == "ack":
                    session.ack(viewer, int(control["n"]))


def _typed(session: Session, viewer: Viewer, data: bytes) -> None:
    session.focus(viewer)
    session.write(data)


def _control(session: Session, viewer: Viewer, text: str) -> None:
    try:
        message = json.loads(text)
        kind = message["t"]
    except (ValueError, KeyError, TypeError):
        return
    if kind == "in":
        _typed(session, viewer, str(message.get("d", "")).encode("utf-8", "replace"))
    elif kind == "ack":
        with contextlib.suppress(TypeError, ValueError):
            session.ack(viewer, int(message["n"]))
    elif kind == "resize":
        with contextlib.suppress(TypeError, ValueError, KeyError):
            viewer.cols = max(2, min(int(message["cols"]), 1000))
            viewer.rows = max(2, min(int(message["rows"]), 500))
            session.focus(viewer)


async def _pump(ws: web.WebSocketResponse, viewer: Viewer) -> None:
    """Move the viewer's outbox to its socket, in order, until it is to be closed (the
    handler closes it: see ``websocket``)."""
    while True:
        await viewer.wake.wait()
        viewer.wake.clear()
        while viewer.outbox:
            item = viewer.outbox.popleft()
            if isinstance(item, dict):
                await ws.send_str(json.dumps(item))
            else:
                await ws.send_bytes(item)
        if viewer.closing:
            return


async def _refuse(ws: web.WebSocketResponse, reason: str, text: str, code: int) -> None:
    await ws.send_str(json.dumps({"t": "error", "reason": reason, "message": text}))
    await ws.close(code=code, message=reason.encode())


async def _heartbeat(app: web.Application) -> None:
    """Every ``--ping`` seconds: a ``ping`` to every viewer (keeps proxies from dropping an
    idle socket and lets the page notice a dead one), and drop viewers that held the PTY
    back for longer than ``--stall-timeout`` (a hidden tab): they reconnect and get a replay."""
    options = app[OPTIONS]
    while True:
        await asyncio.sleep(options.ping)
        now = time.monotonic()
        for session in list(app[SESSIONS].by_name.values()):
            for viewer in session.stalled(now, options.stall_timeout):
                log.info("session %s: dropping a viewer that stopped reading", session.name)
                session.detach(viewer)
                viewer.close(CLOSE_TOO_SLOW, b"too slow", drop=True)
        for viewer in list(app[VIEWERS]):
            viewer.send({"t": "ping"})


# -- the app and its lifecycle -----------------------------------------------------------------

def make_app(options: ServerOptions, environ: dict[str, str] | None = None) -> web.Application:
    config = ShellConfig(shell=options.shell, home=Path(options.home) if options.home else None,
                         profile_dirs=options.profile_dirs, hidden_env=options.hidden_env,
                         environ=dict(os.environ if environ is None else environ))
    if not options.socket and not options.token:
        options = dataclasses.replace(options, token=secrets.token_urlsafe(24))
    app = web.Application(middlewares=[] if options.socket else [tcp_guard])
    app[OPTIONS] = options
    app[SESSIONS] = Sessions(config, limit=options.sessions, scrollback=options.scrollback, window=options.window)
    app[VIEWERS] = {}
    app[WATCHERS] = {}
    app.router.add_get("/", page)
    app.router.add_get("/session/{name}", page)
    app.router.add_get("/ws/session/{name}", websocket)
    app.router.add_get("/ws/{mode:view}/{name}", websocket)  # read-only
    app.router.add_get("/sessions", list_sessions)
    app.router.add_static("/static/", STATIC, follow_symlinks=False)
    app.cleanup_ctx.append(_lifecycle)
    app.on_shutdown.append(_close_sockets)
    return app


async def _lifecycle(app: web.Application):
    heartbeat = asyncio.create_task(_heartbeat(app))
    yield
    heartbeat.cancel()
    await app[SESSIONS].hangup_all()


async def _close_sockets(app: web.Application) -> None:
    """Close every WebSocket (1001) and wait until each handler has done so."""
    for viewer in app[VIEWERS]:
        viewer.close(CLOSE_SHUTDOWN, b"server shutdown", drop=True)
    if app[VIEWERS]:
        await asyncio.wait(list(app[VIEWERS].values()))


def _socket_in_use(path: str) -> bool:
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(path)
        except OSError:
            return False
    return True


def _listening_unix_socket(path: str) -> socket.socket:
    """A 0600 socket that is listening before it appears at ``path`` (bound under another name,
    then renamed): whoever sees the path can connect, never "connection refused"."""
    sock = socket.socket(socket.AF_UNIX)
    partial = os.path.join(os.path.dirname(path), f".{os.getpid()}.sock")
    old_umask = os.umask(0o177)
    try:
        sock.bind(partial)
    finally:
        os.umask(old_umask)
    sock.listen(128)
    os.replace(partial, path)
    return sock


async def serve(options: ServerOptions) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if options.socket:
        # A server left running when its parent was killed still owns the shells: stand by
        # instead of fighting it, and take over once it is gone.
        while _socket_in_use(options.socket):
            log.warning("another terminal server answers on %s; standing by", options.socket)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 5)
            if stop.is_set():
                return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(options.socket)
    app = make_app(options)
    options = app[OPTIONS]
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5, access_log=None)
    await runner.setup()
    if options.socket:
        site: web.BaseSite = web.SockSite(runner, _listening_unix_socket(options.socket))
    else:
        site = web.TCPSite(runner, options.host, options.port)
    await site.start()
    port = runner.addresses[0][1] if not options.socket else None  # --port 0: the kernel's choice
    log.info("terminal server ready on %s", options.socket or f"http://{options.host}:{port}/?token={options.token}")
    try:
        await stop.wait()
    finally:
        # close every WebSocket properly before aiohttp starts tearing connections down
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_close_sockets(app), 1.0)
        await runner.cleanup()
        if options.socket:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(options.socket)


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    logging.basicConfig(level=options.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s terminal %(levelname)s %(message)s")
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    asyncio.run(serve(options))


if __name__ == "__main__":
    main()
