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
It is callbacks on ``loop.Loop``, without asyncio, and imports no more than it uses: that keeps
it at ~12 MiB RSS (loop.py says why; tests/test_terminal_server_imports.py keeps it so).
"""

from __future__ import annotations

import sys

sys.modules.setdefault("ssl", None)  # never speaks TLS, nor should anything it imports load OpenSSL

import base64  # noqa: E402 (after the line above)
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402
from _operator import _compare_digest as compare_digest  # noqa: E402 (hmac's, without OpenSSL)
from string import Template  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

from . import log  # noqa: E402
from .httpd import Connection, HTTPError, Request, Response, Server, WebSocket  # noqa: E402
from .loop import Loop  # noqa: E402
from .options import ServerOptions, parse_args  # noqa: E402
from .pty import Session, Viewer  # noqa: E402
from .sessions import NAME, SessionLimit, Sessions, ShellConfig  # noqa: E402

PACKAGE = os.path.dirname(os.path.abspath(__file__))
STATIC = os.path.join(PACKAGE, "static")
with open(os.path.join(PACKAGE, "templates", "terminal", "page.html")) as template:
    PAGE = Template(template.read())
TYPES = {".js": "text/javascript", ".css": "text/css", ".map": "application/json", ".svg": "image/svg+xml",
         ".html": "text/html", ".woff2": "font/woff2", ".json": "application/json"}

#: close codes (documented in docs/terminal.md)
CLOSE_GONE = 4404  # asked for a session id that no longer exists
CLOSE_LIMIT = 4429  # session limit reached
CLOSE_BAD_NAME = 4400
CLOSE_TOO_SLOW = 4408  # did not acknowledge output for too long; reconnect for a replay
CLOSE_SHUTDOWN = 1001
#: bytes a WebSocket may hold unsent before output waits in the viewer's outbox (where flow control counts it)
HIGH_WATER = 64 << 10
#: while output streams, a viewer's frames leave at most this often, gathered up to ``pty.FRAME_SIZE``:
#: a flood reaches the page as ~120 frames a second rather than ~500, and each frame costs the page
#: (docs/benchmarks.md, "Terminal flood"). Output after a quiet moment (a keystroke's echo) leaves at once.
STREAM_INTERVAL = 0.008


class App:
    def __init__(self, loop: Loop, options: ServerOptions, sessions: Sessions) -> None:
        self.loop, self.options, self.sessions = loop, options, sessions
        self.viewers: dict[Viewer, Connection] = {}  # until its connection has closed
        self.watchers: dict[Viewer, str] = {}  # read-only Viewer -> who watches (``?by=``)


# -- HTTP ------------------------------------------------------------------------------------

def page(request: Request, name: str) -> Response:
    if not NAME.match(name):
        raise HTTPError(404, "a session name is letters, digits, '.', '_' or '-'")
    root = "./" if request.raw_path.rstrip("/") == "" else "../"
    # NAME admits nothing HTML reads as markup, so the name needs no escaping here
    body = PAGE.substitute(session=name, root=root)
    return Response(body, content_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"})


def list_sessions(app: App) -> Response:
    return Response(json.dumps([
        {"name": s.name, "id": s.id, "pid": s.pid, "viewers": len(s.viewers), "created": s.created,
         "cols": s.cols, "rows": s.rows}
        for s in app.sessions.by_name.values()
    ]), content_type="application/json")


def static_file(parts: list[str]) -> Response:
    """A file under static/, never through a symlink or ``..`` out of it."""
    if "" in parts or ".." in parts:
        raise HTTPError(404, "no such file")
    path = os.path.join(STATIC, *parts)
    real, root = os.path.realpath(path), os.path.realpath(STATIC)
    if os.path.commonpath((real, root)) != root or not os.path.isfile(real):
        raise HTTPError(404, "no such file")
    with open(real, "rb") as file:
        body = file.read()
    return Response(body, content_type=TYPES.get(os.path.splitext(path)[1], "application/octet-stream"))


def dispatch(app: App, request: Request, connection: Connection) -> Response | None:
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
            websocket(app, request, connection, name, readonly=mode == "view")
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


def websocket(app: App, request: Request, connection: Connection, name: str, *, readonly: bool = False) -> None:
    if not origin_allowed(app, request):
        raise HTTPError(403, "cross-origin WebSocket refused")
    ws = connection.websocket_upgrade(request, max_size=4 << 20)
    if not NAME.match(name):
        _refuse(ws, "bad-name", "a session name is letters, digits, '.', '_' or '-'", CLOSE_BAD_NAME)
        return
    sessions = app.sessions
    cols, rows = _size(request)
    wanted = request.query.get("id")
    session = sessions.get(name)
    if (wanted or readonly) and (session is None or (wanted and session.id != wanted)):
        _refuse(ws, "gone", "this session has ended", CLOSE_GONE)
        return
    new = False
    try:
        if not readonly:  # a viewer never starts a shell
            session, new = sessions.open(name, cols, rows)
    except SessionLimit as error:
        _refuse(ws, "limit", str(error), CLOSE_LIMIT)
        return
    except OSError as error:
        log.error("session %s: cannot start the shell: %s", name, error)
        _refuse(ws, "spawn", f"cannot start the shell: {error}", 1011)
        return

    if readonly:  # the session's own size: attaching must not resize the attendee's terminal
        cols, rows = session.cols, session.rows
    viewer = Viewer(cols, rows)
    viewer.send({"t": "hello", "session": name, "id": session.id, "new": new, "pid": session.pid,
                 "cols": cols, "rows": rows, "viewers": len(session.viewers) + 1,
                 "window": sessions.window, "readonly": readonly})
    ViewerSocket(app, session, viewer, ws, readonly, request.query.get("by", "")[:64] or "someone")


class ViewerSocket:
    """One viewer's WebSocket: output from its outbox goes out as the socket takes it (a slow
    socket leaves it in the outbox, where the session's window counts it), messages come in,
    and whichever side ends first ends both."""

    def __init__(self, app: App, session: Session, viewer: Viewer, ws: WebSocket, readonly: bool, by: str) -> None:
        self.app, self.session, self.viewer, self.ws = app, session, viewer, ws
        self.connection = ws.connection
        self._scheduled = False
        self._sent = 0.0  # when the last frame left (STREAM_INTERVAL)
        self._done = False
        session.attach(viewer)
        app.viewers[viewer] = self.connection
        if readonly:
            app.watchers[viewer] = by
        _tell_watched(session, app.watchers, everyone=readonly)
        viewer.on_wake = self._wake
        self.connection.on_drain = self._pump
        self.connection.on_close = lambda: app.viewers.pop(viewer, None)
        ws.on_message = self._watch if readonly else self._read
        ws.on_close = self._end
        self._wake()

    def _wake(self) -> None:
        if not self._scheduled:  # once per turn of the loop, so output pushed meanwhile goes out together
            self._scheduled = True
            wait = self._sent + STREAM_INTERVAL - time.monotonic()
            if wait > 0:
                self.app.loop.call_later(wait, self._pump)
            else:
                self.app.loop.call_soon(self._pump)

    def _pump(self) -> None:
        """Move the outbox to the socket, in order, while it takes it; close once told to."""
        self._scheduled = False
        viewer, ws = self.viewer, self.ws
        if viewer.outbox:
            self._sent = time.monotonic()
        while viewer.outbox and self.connection.buffered <= HIGH_WATER and not self._done:
            item = viewer.outbox.popleft()
            if isinstance(item, dict):
                ws.send_str(json.dumps(item))
            else:
                ws.send_bytes(item)
        if viewer.closing and not viewer.outbox:
            self._end()

    def _end(self) -> None:
        if self._done:
            return
        self._done = True
        self.viewer.on_wake = lambda: None
        self.session.detach(self.viewer)
        if self.app.watchers.pop(self.viewer, None) is not None:
            _tell_watched(self.session, self.app.watchers, everyone=True)
        code, reason = self.viewer.closing or (1000, b"")
        self.ws.close(code=code, message=reason)
        if self.connection.closed:
            self.app.viewers.pop(self.viewer, None)

    def _read(self, message: bytes | str) -> None:
        if isinstance(message, bytes):
            _typed(self.session, self.viewer, message)
        else:
            _control(self.session, self.viewer, message)

    def _watch(self, message: bytes | str) -> None:
        """A read-only viewer: only its acknowledgements count; input, resizes and signals are dropped."""
        if isinstance(message, str):
            try:
                control = json.loads(message)
                if control["t"] == "ack":
                    self.session.ack(self.viewer, int(control["n"]))
            except (ValueError, KeyError, TypeError, AttributeError):
                pass


def _tell_watched(session: Session, watchers: dict, *, everyone: bool) -> None:
    """Tell the session's own viewers who watches it read-only (their page shows a notice): all of
    them when a watcher came or went (``everyone``), else only a newcomer, and only if someone does."""
    names = sorted({watchers[v] for v in session.viewers if v in watchers})
    for viewer in session.viewers:
        if viewer not in watchers and (everyone or (names and viewer is session.viewers[-1])):
            viewer.send({"t": "watched", "by": names})


def _typed(session: Session, viewer: Viewer, data: bytes) -> None:
    session.focus(viewer)
    session.write(data)


def _control(session: Session, viewer: Viewer, text: str) -> None:
    try:
        message = json.loads(text)
        kind = message["t"]
    except (ValueError, KeyError, TypeError):
        return
    try:
        if kind == "in":
            _typed(session, viewer, str(message.get("d", "")).encode("utf-8", "replace"))
        elif kind == "ack":
            session.ack(viewer, int(message["n"]))
        elif kind == "resize":
            viewer.cols = max(2, min(int(message["cols"]), 1000))
            viewer.rows = max(2, min(int(message["rows"]), 500))
            session.focus(viewer)
    except (TypeError, ValueError, KeyError):
        pass


def _refuse(ws: WebSocket, reason: str, text: str, code: int) -> None:
    ws.send_str(json.dumps({"t": "error", "reason": reason, "message": text}))
    ws.close(code=code, message=reason.encode())


def _heartbeat(app: App) -> None:
    """Every ``--ping`` seconds: a ``ping`` to every viewer (keeps proxies from dropping an
    idle socket and lets the page notice a dead one), and drop viewers that held the PTY
    back for longer than ``--stall-timeout`` (a hidden tab): they reconnect and get a replay."""
    options = app.options
    app.loop.call_later(options.ping, lambda: _heartbeat(app))
    now = time.monotonic()
    for session in list(app.sessions.by_name.values()):
        for viewer in session.stalled(now, options.stall_timeout):
            log.info("session %s: dropping a viewer that stopped reading", session.name)
            session.detach(viewer)
            viewer.close(CLOSE_TOO_SLOW, b"too slow", drop=True)
    for viewer in list(app.viewers):
        viewer.send({"t": "ping"})


# -- the app and its lifecycle -----------------------------------------------------------------

def make_app(loop: Loop, options: ServerOptions, environ: dict[str, str] | None = None) -> App:
    config = ShellConfig(shell=options.shell, home=options.home, profile_dirs=options.profile_dirs,
                         hidden_env=options.hidden_env, environ=os.environ if environ is None else environ)
    if not options.socket and not options.token:
        options = options.replace(token=base64.urlsafe_b64encode(os.urandom(18)).decode())
    sessions = Sessions(loop, config, limit=options.sessions, scrollback=options.scrollback, window=options.window)
    return App(loop, options, sessions)


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


def _listening_tcp_socket(host: str, port: int) -> socket.socket:
    """On the first address ``host`` has (a name, IPv4 or IPv6)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(128)
    return sock


class Lifecycle:
    """Stand by while another server owns the socket, serve, and on SIGTERM/SIGINT: close every
    WebSocket (1001, up to a second), hang up every shell (SIGKILL after 1.5 s), remove the socket."""

    def __init__(self, loop: Loop, options: ServerOptions) -> None:
        self.loop, self.options = loop, options
        self.app: App | None = None
        self.server: Server | None = None
        self.stopping = False
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)

    def start(self) -> None:
        if self.stopping:
            return
        options = self.options
        if options.socket:
            # A server left running when its parent was killed still owns the shells: stand by
            # instead of fighting it, and take over once it is gone.
            if _socket_in_use(options.socket):
                log.warning("another terminal server answers on %s; standing by", options.socket)
                self.loop.call_later(5, self.start)
                return
            try:
                os.unlink(options.socket)
            except FileNotFoundError:
                pass
        self.app = app = make_app(self.loop, options)
        options = app.options
        sock = (_listening_unix_socket(options.socket) if options.socket
                else _listening_tcp_socket(options.host, options.port))
        self.server = Server(self.loop, sock, lambda request, connection: dispatch(app, request, connection))
        where = options.socket or f"http://{options.host}:{self.server.port}/?token={options.token}"
        log.info("terminal server ready on %s", where)
        self.loop.call_later(options.ping, lambda: _heartbeat(app))

    def stop(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        if self.app is None:  # still standing by
            self.loop.stop()
            return
        self.server.close()
        for viewer in self.app.viewers:
            viewer.close(CLOSE_SHUTDOWN, b"server shutdown", drop=True)
        deadline = time.monotonic() + 1.0

        def closed_or_late() -> None:
            if self.app.viewers and time.monotonic() < deadline:
                self.loop.call_later(0.02, closed_or_late)
            else:
                for connection in list(self.app.viewers.values()):
                    connection.close()
                self.app.sessions.hangup_all(then=self._finish)

        closed_or_late()

    def _finish(self) -> None:
        if self.options.socket:
            try:
                os.unlink(self.options.socket)
            except FileNotFoundError:
                pass
        self.loop.stop()


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    log.set_level(options.log_level)
    loop = Loop()
    lifecycle = Lifecycle(loop, options)
    lifecycle.start()
    loop.run()


if __name__ == "__main__":
    main()
