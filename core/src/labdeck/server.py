"""Run the app until SIGTERM or SIGINT; stop within ~2 s (WebSockets closed, programs stopped)."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import socket
import sys

import pluggy
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError

from .app import AUTH_BACKEND, create_app
from .deck import DECK
from .settings import Settings, SettingsGroup

log = logging.getLogger("labdeck")

#: ports Chromium refuses that labdeck may be given (the original images' 10080 is fine behind a router)
BROWSER_BLOCKED_PORTS = frozenset({10080, 6000, 6665, 6666, 6667, 6668, 6669, 6697})


class AccessLogger(AbstractAccessLogger):
    """Method, path, status, time: never the query string (it may carry a token) or headers."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info("%s %s %s %.1fms", request.method, request.path, response.status, time * 1000)

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


def without_request_bytes(record: logging.LogRecord) -> bool:
    """aiohttp logs a bad request with the bytes around the fault (Cookie too): keep that one came."""
    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, HttpProcessingError):
        remote = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
        record.msg, record.args = "bad request from %s refused (%s)", (remote, type(error).__name__)
        record.exc_info = record.exc_text = None
    return True


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    # each request at info would drown the log of a busy room; debug shows them
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING if level != "debug" else logging.DEBUG)
    logging.getLogger("aiohttp.server").addFilter(without_request_bytes)


#: how long after it listens labdeck collects the start's garbage: after a browser's first pages
SETTLE_SECONDS = 1.0


def settle_heap() -> None:
    """Collect the start's garbage once, then freeze what is left: the start's objects live as
    long as we do, and full collections skip frozen ones (the proxy's p99, docs/benchmarks.md).
    Collections were paused for the start (__main__.py) and run from here on."""
    gc.collect()
    gc.freeze()
    gc.enable()


async def run_app(app: web.Application, core: SettingsGroup) -> None:
    runner = web.AppRunner(app, access_log_class=AccessLogger, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    prefix = app[DECK].prefix
    if core.socket:
        listener, mask = socket.socket(socket.AF_UNIX), os.umask(0o177)  # 0600 from the start: only we connect
        try:
            listener.bind(str(core.socket))
        finally:
            os.umask(mask)
        await web.SockSite(runner, listener).start()
        url = f"http+unix://{str(core.socket).replace('/', '%2F')}{prefix}"
    else:
        await web.TCPSite(runner, core.host, core.port, reuse_address=True).start()
        port = runner.addresses[0][1]
        url = f"http://{core.host if ':' not in core.host else f'[{core.host}]'}:{port}{prefix}"
        if port in BROWSER_BLOCKED_PORTS:
            log.warning("Chrome and Chromium refuse to open port %s (ERR_UNSAFE_PORT): fine behind a router or "
                        "proxy, but to open labdeck directly in those browsers choose another --port", port)
    print(f"labdeck: serving at {url}", flush=True)
    message = app[AUTH_BACKEND].startup_message(url)
    if message:
        print(message, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.call_later(SETTLE_SECONDS, settle_heap)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        await runner.cleanup()


def serve(settings: Settings, pm: pluggy.PluginManager) -> int:
    configure_logging(settings.core.log_level)
    app = create_app(settings, pm)
    try:
        from uvloop import run
    except ImportError:
        from asyncio import run
    run(run_app(app, settings.core))
    return 0
