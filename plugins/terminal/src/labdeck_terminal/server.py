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

import sys

sys.modules.setdefault("ssl", None)  # never speaks TLS: asyncio without ssl is ~5 MiB less RSS

import asyncio  # noqa: E402 (after the line above)
import base64  # noqa: E402
import contextlib  # noqa: E402
import dataclasses  # noqa: E402
import html  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402
from _operator import _compare_digest as compare_digest  # noqa: E402 (hmac's, without OpenSSL)
from pathlib import Path  # noqa: E402
from string import Template  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

from .httpd import HEAD_LIMIT, Connection, HTTPError, Request, Response, WebSocket, serve_connection  # noqa: E402
from .options import ServerOptions, parse_args  # noqa: E402
from .pty import Session, Viewer  # noqa: E402
from .sessions import NAME, SessionLimit, Sessions, ShellConfig  # noqa: E402

log = logging.getLogger("labdeck.terminal")

PACKAGE = Path(__file__).parent
STATIC = PACKAGE / "static"
PAGE = Template((PACKAGE / "templates" / "terminal" / "page.html").read_text())
TYPES = {".js": "text/javascript", ".css": "text/css", ".map": "application/json", ".svg": "image/svg+xml",
         ".html": "text/html", ".woff2": "font/woff2", ".json": "application/json"}

#: close codes (documented in docs/terminal.md)
CLOSE_GONE = 4404  # asked for a session id that no longer exists
CLOSE_LIMIT = 4429  # session limit reached
CLOSE_BAD_NAME = 4400
CLOSE_TOO_SLOW = 4408  # did not acknowledge output for too long; reconnect for a replay
CLOSE_SHUTDOWN = 1001


@dataclasses.dataclass
class App:
    options: ServerOptions
    sessions: Sessions
    viewers: dict = dataclasses.field(default_factory=dict)  # Viewer -> the task of its WebSocket handler
    watchers: dict = dataclasses.field(default_factory=dict)  # read-only Viewer -> who watches (``?by=``)


# -- HTTP ------------------------------------------------------------------------------------

def page(request: Request, name: str) -> Response:
    if not NAME.match(name):
        raise HTTPError(404, "a session name is letters, digits, '.', '_' or '-'")
    root = "./" if request.raw_path.rstrip("/") == "" else "../"
    body = PAGE.substitute(session=html.escape(name), root=root)
    return Response(body, content_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"})


def list_sessions(app: App) -> Response:
    return Response(json.dumps([
        {"name": s.name, "id": s.id, "pid": s.pid, "viewers": len(s.viewers), "created": s.created,
         "cols": s.cols, "rows": s.rows}
        for s in app.sessions.by_name.values()
    ]), content_type="application/json")


def static_file(parts: list[str]) -> Response:
    """A file under static/, never through a symlink or ``..`` out of it."""
    path = STATIC.joinpath(*parts)
    if "" in parts or ".." in parts or not path.resolve().is_relative_to(STATIC.resolve()) or not path.is_file():
        raise HTTPError(404, "no such file")
    return Response(path.read_bytes(), content_type=TYPES.get(path.suffix, "application/octet-stream"))


async def dispatch(app: App, request: Request, connection: Connection) -> Response | None:
    guard_tcp(app.options, request)
    segments = request.segments
    match segments:
        case [""] | ["session", _]:
            response = page(request, segments[1] if len(segments) == 2 else "1")
        case ["sessions"]:
            response = list_sessions(app)
        case ["static", *parts] if parts:
            response = static_file(parts)
        case ["ws", "session" | "view" as mode, name]:
            await websocket(app, request, connection, name, readonly=mode == "view")
            return None
        case _:
            raise HTTPError(404, "not found")
    if "token" in request.query and not app.options.socket:
        response.headers["Set-Cookie"] = f"{_cookie(request)}={app.options.token}; HttpOnly; Path=/; SameSite=Strict"
    return response


# -- WebSocket -------------------------------------------------------------------------------

def _size(request: Request) -> tuple[int, int]:
    try:
        cols = int(request.query.get("cols", 80))
        rows = int(request.query.get("rows", 24))
    except ValueError:
        cols, rows = 80, 24
    return max(2, min(cols, 1000)), max(2, min(rows, 500))


def origin_allowed(app: App, request: Request) -> bool:
    """On TCP (benchmarks, debugging) a browser's Origin must name this host. On the unix
    socket only labdeck's proxy can connect (the socket is 0600 in a 0700 folder), and
    the proxy has already checked Origin against the public host."""
    origin = request.headers.get("origin")
    if app.options.socket or not origin:
        return True
    return urlsplit(origin).netloc == request.headers.get("host")


LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def _cookie(request: Request) -> str:
    return f"labdeck_terminal_{request.port}"  # the bound port (--port 0)


def guard_tcp(options: ServerOptions, request: Request) -> None:
    """TCP mode (``--port``): any local user, and any web page through DNS rebinding (its own
    name pointed at 127.0.0.1), can reach the port. So Host must name this machine, and every
    request carries the token: ``?token=`` (which sets a cookie for the page's other requests),
    the cookie, or ``Authorization: Bearer``."""
    if options.socket:
        return
    host = urlsplit("//" + request.headers.get("host", "")).hostname or ""
    if host not in LOOPBACK | {options.host} - {"0.0.0.0", "::"}:
        raise HTTPError(421, "the terminal server answers only to its own host names")
    given = (request.query.get("token") or request.cookies.get(_cookie(request))
             or request.headers.get("authorization", "").removeprefix("Bearer "))
    if not compare_digest(given.encode(), options.token.encode()):
        raise HTTPError(401, "the terminal server wants its token (?token=, logged at its start)")


async def websocket(app: App, request: Request, connection: Connection, name: str, *, readonly: bool = False) -> None:
    if not origin_allowed(app, request):
        raise HTTPError(403, "cross-origin WebSocket refused")
    ws = await connection.websocket(request, max_size=4 << 20)
    if not NAME.match(name):
        await _refuse(ws, "bad-name", "a session name is letters, digits, '.', '_' or '-'", CLOSE_BAD_NAME)
        return
    sessions = app.sessions
    cols, rows = _size(request)
    wanted = request.query.get("id")
    session = sessions.get(name)
    if (wanted or readonly) and (session is None or (wanted and session.id != wanted)):
        await _refuse(ws, "gone", "this session has ended", CLOSE_GONE)
        return
    new = False
    try:
        if not readonly:  # a viewer never starts a shell
            session, new = sessions.open(name, cols, rows)
    except SessionLimit as error:
        await _refuse(ws, "limit", str(error), CLOSE_LIMIT)
        return
    except OSError as error:
        log.error("session %s: cannot start the shell: %s", name, error)
        await _refuse(ws, "spawn", f"cannot start the shell: {error}", 1011)
        return

    if readonly:  # the session's own size: attaching must not resize the attendee's terminal
        cols, rows = session.cols, session.rows
    viewer = Viewer(cols, rows)
    viewer.send({"t": "hello", "session": name, "id": session.id, "new": new, "pid": session.pid,
                 "cols": cols, "rows": rows, "viewers": len(session.viewers) + 1,
                 "window": sessions.window, "readonly": readonly})
    session.attach(viewer)
    app.viewers[viewer] = asyncio.current_task()
    if readonly:
        app.watchers[viewer] = request.query.get("by", "")[:64] or "someone"
    _tell_watched(session, app.watchers, everyone=readonly)
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
            if app.watchers.pop(viewer, None) is not None:
                _tell_watched(session, app.watchers, everyone=True)
        code, reason = viewer.closing or (1000, b"")
        await ws.close(code=code, message=reason)
    finally:
        app.viewers.pop(viewer, None)


async def _read(ws: WebSocket, session: Session, viewer: Viewer) -> None:
    async for message in ws:  # ends when the client closes
        if isinstance(message, bytes):
            _typed(session, viewer, message)
        else:
            _control(session, viewer, message)


def _tell_watched(session: Session, watchers: dict, *, everyone: bool) -> None:
    """Tell the session's own viewers who watches it read-only (their page shows a notice): all of
    them when a watcher came or went (``everyone``), else only a newcomer, and only if someone does."""
    names = sorted({watchers[v] for v in session.viewers if v in watchers})
    for viewer in session.viewers:
        if viewer not in watchers and (everyone or (names and viewer is session.viewers[-1])):
            viewer.send({"t": "watched", "by": names})


async def _watch(ws: WebSocket, session: Session, viewer: Viewer) -> None:
    """A read-only viewer: only its acknowledgements count; input, resizes and signals are dropped."""
    async for message in ws:
        if isinstance(message, str):
            with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
                control = json.loads(message)
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


async def _pump(ws: WebSocket, viewer: Viewer) -> None:
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


async def _refuse(ws: WebSocket, reason: str, text: str, code: int) -> None:
    await ws.send_str(json.dumps({"t": "error", "reason": reason, "message": text}))
    await ws.close(code=code, message=reason.encode())


async def _heartbeat(app: App) -> None:
    """Every ``--ping`` seconds: a ``ping`` to every viewer (keeps proxies from dropping an
    idle socket and lets the page notice a dead one), and drop viewers that held the PTY
    back for longer than ``--stall-timeout`` (a hidden tab): they reconnect and get a replay."""
    options = app.options
    while True:
        await asyncio.sleep(options.ping)
        now = time.monotonic()
        for session in list(app.sessions.by_name.values()):
            for viewer in session.stalled(now, options.stall_timeout):
                log.info("session %s: dropping a viewer that stopped reading", session.name)
                session.detach(viewer)
                viewer.close(CLOSE_TOO_SLOW, b"too slow", drop=True)
        for viewer in list(app.viewers):
            viewer.send({"t": "ping"})


# -- the app and its lifecycle -----------------------------------------------------------------

def make_app(options: ServerOptions, environ: dict[str, str] | None = None) -> App:
    config = ShellConfig(shell=options.shell, home=Path(options.home) if options.home else None,
                         profile_dirs=options.profile_dirs, hidden_env=options.hidden_env,
                         environ=dict(os.environ if environ is None else environ))
    if not options.socket and not options.token:
        options = dataclasses.replace(options, token=base64.urlsafe_b64encode(os.urandom(18)).decode())
    sessions = Sessions(config, limit=options.sessions, scrollback=options.scrollback, window=options.window)
    return App(options, sessions)


async def _close_sockets(app: App) -> None:
    """Close every WebSocket (1001) and wait until each handler has done so."""
    for viewer in app.viewers:
        viewer.close(CLOSE_SHUTDOWN, b"server shutdown", drop=True)
    if app.viewers:
        await asyncio.wait(list(app.viewers.values()))


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
    options = app.options
    connections: set[asyncio.Task] = set()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        connections.add(task)
        try:
            await serve_connection(lambda request, connection: dispatch(app, request, connection), reader, writer)
        finally:
            connections.discard(task)

    if options.socket:
        server = await asyncio.start_unix_server(accept, sock=_listening_unix_socket(options.socket),
                                                 limit=HEAD_LIMIT)
    else:
        server = await asyncio.start_server(accept, options.host, options.port, limit=HEAD_LIMIT)
    port = server.sockets[0].getsockname()[1] if not options.socket else None  # --port 0: the kernel's choice
    log.info("terminal server ready on %s", options.socket or f"http://{options.host}:{port}/?token={options.token}")
    heartbeat = asyncio.create_task(_heartbeat(app))
    try:
        await stop.wait()
    finally:
        server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_close_sockets(app), 1.0)
        heartbeat.cancel()
        for task in list(connections):
            task.cancel()
        await app.sessions.hangup_all()
        if options.socket:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(options.socket)


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    logging.basicConfig(level=options.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s terminal %(levelname)s %(message)s")
    asyncio.run(serve(options))


if __name__ == "__main__":
    main()
