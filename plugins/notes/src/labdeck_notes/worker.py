"""The render worker: a child process that loads the workshop and renders pages, and
that is killed and replaced when one of them takes too long.

A thread cannot be stopped, so a page that makes Markdown or AsciiDoc backtrack for
minutes (or a config.js that never returns) would hold the notes' only thread and every
later page behind it. The worker is a plain child process (``python -m
labdeck_notes.worker``, without labdeck's core) that the event loop talks to over its stdin and stdout:
each request and reply is a 4-byte length and a pickle, one request at a time. The
parent waits for a reply at most ``limit`` seconds; then it kills the worker's process
group (node included) and the next request starts a fresh one.

AsciiDoc pages are rendered by one node process (Asciidoctor.js, asciidoctor_client.py)
that the worker starts when it loads a workshop with AsciiDoc pages, in the worker's
process group, and ends when it ends.

The worker is started on the first request that needs it (a server whose notes nobody
opens never starts one) and stopped after ``IDLE_SECONDS`` without requests, or sooner
when every page is rendered (``settle``, renders.py); pages already rendered are cached
in the server and need no worker.

Run as a program, this module is the worker's side.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
import struct
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

log = logging.getLogger(__name__)

# ``python -m labdeck_notes.worker`` would run the package's __init__, which imports
# labdeck's core (aiohttp and the rest: 30 MB). The worker needs none of it, so it gets
# the package as a bare namespace and imports only the loading and rendering modules.
BOOTSTRAP = """
import importlib.util, sys, types
spec = importlib.util.find_spec("labdeck_notes")
package = types.ModuleType("labdeck_notes")
package.__path__ = list(spec.submodule_search_locations)
sys.modules["labdeck_notes"] = package
from labdeck_notes.worker import main
main()
"""
COMMAND: Sequence[str] = (sys.executable, "-c", BOOTSTRAP)
IDLE_SECONDS = 300.0
_HEADER = struct.Struct("!I")


class WorkerError(Exception):
    """The worker gave no answer: it took too long (``timed_out``) or it died."""

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


class RenderWorker:
    """The server's side: ``await worker.call(limit, "render", page, values, html_names)``."""

    def __init__(self, command: Sequence[str] | None = None, idle_seconds: float = IDLE_SECONDS):
        self.command = tuple(command or COMMAND)
        self.idle_seconds = idle_seconds
        self.starts = 0  #: how many worker processes were started (for tests and logs)
        self._process: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()
        self._idle: asyncio.TimerHandle | None = None
        self._settle_after: float | None = None  #: asked for during a call: applies at its end
        self._reaping: set[asyncio.Task] = set()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def call(self, limit: float, operation: str, *args: Any) -> Any:
        """Run ``operation`` in the worker; ``WorkerError`` after ``limit`` seconds or if it dies.

        Calls queue; each one's limit starts when the worker takes it."""
        async with self._lock:
            if self._idle is not None:
                self._idle.cancel()
            try:
                process = await self._ensure()
                reply = await asyncio.wait_for(self._exchange(process, (operation, args)), limit)
            except TimeoutError:
                self._kill()
                raise WorkerError(f"took longer than {limit:g} s and was stopped", timed_out=True) from None
            except (OSError, EOFError, asyncio.IncompleteReadError) as error:
                self._kill()
                raise WorkerError(f"the render worker stopped ({error.__class__.__name__})") from None
            except BaseException:  # cancelled half-way: the pipe's state is unknown
                self._kill()
                raise
            finally:
                idle, self._settle_after = self._settle_after or self.idle_seconds, None
                if self._process is not None:
                    self._idle = asyncio.get_running_loop().call_later(idle, self._kill)
        status, value = reply
        if status != "ok":
            raise WorkerError(value)
        return value

    def settle(self, seconds: float) -> None:
        """Stop the worker once it has been idle ``seconds`` instead of ``idle_seconds`` (its
        work is done: renders.py); while a call runs, from that call's end. A call that starts
        later sets the usual timer again."""
        if self._lock.locked():
            self._settle_after = seconds
            return
        if self._process is None:
            return
        if self._idle is not None:
            self._idle.cancel()
        self._idle = asyncio.get_running_loop().call_later(seconds, self._kill)

    async def _ensure(self) -> asyncio.subprocess.Process:
        if self._process is None or self._process.returncode is not None:
            started = time.perf_counter()
            self._process = await asyncio.create_subprocess_exec(
                *self.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                start_new_session=True,  # its own group: a kill reaches node started by config.js too
            )
            self.starts += 1
            log.info("notes render worker started (pid %d) in %.0f ms", self._process.pid,
                     (time.perf_counter() - started) * 1000)
        return self._process

    @staticmethod
    async def _exchange(process: asyncio.subprocess.Process, request: tuple) -> tuple[str, Any]:
        assert process.stdin is not None and process.stdout is not None
        data = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        if process.stdin.is_closing():  # it died and is not reaped yet (uvloop would raise RuntimeError)
            raise ConnectionResetError("the render worker's stdin is closed")
        process.stdin.write(_HEADER.pack(len(data)) + data)
        await process.stdin.drain()
        size, = _HEADER.unpack(await process.stdout.readexactly(_HEADER.size))
        return pickle.loads(await process.stdout.readexactly(size))  # noqa: S301 - our own child's reply

    def _kill(self) -> None:
        process, self._process = self._process, None
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            task = asyncio.get_running_loop().create_task(process.wait())  # reap it
            self._reaping.add(task)
            task.add_done_callback(self._reaping.discard)

    async def close(self) -> None:
        self._kill()
        if self._reaping:
            await asyncio.wait(list(self._reaping))


# -- the worker's side ------------------------------------------------------------------


def _load(root: Any, workshop_file: str, environ: dict[str, str]) -> Any:
    from .asciidoctor_client import ASCIIDOCTOR
    from .workshop import load_workshop

    workshop = load_workshop(root, environ, workshop_file=workshop_file)
    asciidoc = any(page.format == "adoc" for page in workshop.pages.values())
    threading.Thread(target=_warm, args=(ASCIIDOCTOR, asciidoc), daemon=True).start()
    return workshop


def _warm(asciidoctor: Any, asciidoc: bool) -> None:
    """In the background, once the workshop is loaded: import the renderers (Markdown,
    Pygments) and, for a workshop with AsciiDoc pages, start node and have Asciidoctor.js
    render a few lines (its first render is several times slower than the next), so that the
    first page an attendee opens pays for neither. A failure is left for that page to report."""
    from .render import render_page  # noqa: F401 (the import is the point)

    if asciidoc:
        asciidoctor.prestart()
        from .asciidoc_render import render_asciidoc

        with contextlib.suppress(Exception):
            render_asciidoc("== Warm\n\nNOTE: *a* `b`\n\n[source,bash,role=execute]\n----\necho %x%\n----\n")


def _render(page: Any, values: dict[str, str], html_names: frozenset[str]) -> Any:
    from .render import render_page

    return render_page(page, values, html_names)


OPERATIONS = {"load": _load, "render": _render}


def serve(requests: Any, replies: Any) -> None:
    """Answer requests until stdin closes (the server stopped or retired this worker)."""
    while True:
        header = requests.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return
        size, = _HEADER.unpack(header)
        operation, args = pickle.loads(requests.read(size))  # noqa: S301 - from our own parent
        try:
            reply = ("ok", OPERATIONS[operation](*args))
        except Exception as error:  # the server shows it; the worker goes on
            log.exception("notes render worker: %s failed", operation)
            reply = ("error", f"{error.__class__.__name__}: {error}")
        data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        replies.write(_HEADER.pack(len(data)) + data)
        replies.flush()


def main() -> None:
    # The protocol gets private copies of stdin and stdout; fd 0 becomes /dev/null (node
    # must not read requests) and fd 1 stderr (a stray print must not corrupt a reply).
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which stops us
    from . import asciidoc_render, markdown_render, render  # noqa: F401 - imported once, before the first page
    from .asciidoctor_client import ASCIIDOCTOR

    try:
        serve(requests, replies)
    finally:
        ASCIIDOCTOR.stop()  # node, started by the first AsciiDoc page (a kill reaches it through the group)


if __name__ == "__main__":
    main()
