"""Running a page's checks: ``POST notes/-/checks/run`` (behind core's sign-in and Origin check).

A check is a script the workshop brings: ``<workshop>/examiner/tests/<name>`` (Educates'
``examiner:execute-test``, also usable on any Markdown page) or a Killercoda step's ``verify``
script. It runs as labdeck's user (the attendee's), in the workshop working folder (the
terminal's ``TERMINAL_HOME`` when set, else ``$HOME``), with labdeck's environment less its
secrets, ``args`` as argv and the ``inputs`` form's answers as JSON on stdin. At most
``LIMIT`` run at once (the others wait their turn, off the event loop); a script still running
at its timeout is killed with its process group. Exit status 0 passes. The result goes to the
progress store (a passed check stays passed: gating asks whether the attendee did it once).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import shlex
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from labdeck import Deck

from .check_blocks import VERIFY, examiner_folder, page_checks
from .files import safe_file
from .progress import PROGRESS, attendee
from .views import Views
from .workshop import Page, Workshop

log = logging.getLogger(__name__)

LIMIT = 4  #: checks running at once, for every attendee together
DEFAULT_TIMEOUT = 15.0  #: seconds, as Educates
MAX_TIMEOUT = 600.0
TAIL_LINES = 20  #: lines of a failed run's output the block shows
TAIL_BYTES = 64 * 1024
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")


class CheckError(ValueError):
    """A request naming no runnable check: its message is shown on the block."""


@dataclass
class Outcome:
    passed: bool
    code: int | None
    output: list[str]
    seconds: float
    timed_out: bool = False

    def json(self) -> dict[str, Any]:
        return {"state": "passed" if self.passed else "failed", "code": self.code, "output": self.output,
                "seconds": round(self.seconds, 2), "timed_out": self.timed_out}


def script_argv(script: Path, args: list[str], *, shell: bool = False) -> list[str]:
    """How to start ``script``: itself when executable, else the interpreter its ``#!`` line
    names, else ``sh`` (``bash`` for a Killercoda verify script, as Killercoda runs them)."""
    if shell:
        return ["bash", str(script), *args]
    if os.access(script, os.X_OK):
        return [str(script), *args]
    with script.open("rb") as file:
        first = file.readline(256).decode("utf-8", "replace")
    interpreter = shlex.split(first[2:]) if first.startswith("#!") else ["sh"]
    return [*interpreter, str(script), *args]


def find_script(workshop: Workshop, page: Page, name: str) -> tuple[Path, bool]:
    """The script of check ``name`` on ``page`` and whether it runs under bash; CheckError when
    the name is not a plain file name inside the examiner folder (no ``..``, no ``/``)."""
    if name == VERIFY and page.dialect == "killercoda":
        script = safe_file(workshop.root, str(page.meta.get(VERIFY, "")))
        if script is None:
            raise CheckError(f"this step's verify script {page.meta.get(VERIFY)!r} is missing")
        return script, True
    if not _NAME.match(name):
        raise CheckError(f"{name!r} is not a check script's name (a file name in examiner/tests/)")
    script = safe_file(examiner_folder(workshop), name)
    if script is None:
        raise CheckError(f"there is no check script examiner/tests/{name} in this workshop")
    return script, False


def working_folder(deck: Deck) -> Path:
    """The terminal's working folder (``TERMINAL_HOME``) when the terminal plugin has one, else $HOME."""
    try:
        home = deck.settings.terminal.home
    except (AttributeError, KeyError):
        home = os.environ.get("TERMINAL_HOME") or None
    folder = Path(home or Path.home()).expanduser()
    return folder if folder.is_dir() else Path.home()


async def _tail(stream: asyncio.StreamReader, keep: bytearray) -> None:
    while chunk := await stream.read(8192):
        keep.extend(chunk)
        del keep[:-TAIL_BYTES]


class CheckRunner:
    """Runs check scripts for the notes app, ``LIMIT`` at a time."""

    def __init__(self, views: Views, deck: Deck, limit: int = LIMIT):
        self.views = views
        self.hidden_env = frozenset(deck.settings.secrets())
        self.cwd = working_folder(deck)
        self.limit = limit
        self._slots: asyncio.Semaphore | None = None
        self.running: set[asyncio.subprocess.Process] = set()

    async def lifecycle(self, app: web.Application):
        self._slots = asyncio.Semaphore(self.limit)
        yield
        for process in list(self.running):  # a check does not outlive labdeck
            _kill(process)

    def environment(self) -> dict[str, str]:
        return {name: value for name, value in os.environ.items() if name not in self.hidden_env}

    async def execute(self, argv: list[str], stdin: bytes, seconds: float) -> Outcome:
        """Run ``argv`` to its end or for ``seconds``; its output (stdout and stderr) kept to the last lines."""
        assert self._slots is not None, "the runner runs inside the notes app"
        async with self._slots:
            started = time.monotonic()
            try:
                process = await asyncio.create_subprocess_exec(
                    *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.STDOUT, cwd=self.cwd, env=self.environment(), start_new_session=True)
            except OSError as error:
                return Outcome(False, None, [f"cannot start {argv[0]}: {error.strerror or error}"], 0.0)
            self.running.add(process)
            output = bytearray()
            reader = asyncio.ensure_future(_tail(process.stdout, output))
            timed_out = False
            try:
                try:  # a script that has already exited closed its stdin: uvloop then refuses any write
                    if stdin and not process.stdin.is_closing():
                        process.stdin.write(stdin)
                        await process.stdin.drain()
                    process.stdin.close()
                except (BrokenPipeError, ConnectionResetError):  # the script never reads its stdin
                    pass
                try:
                    await asyncio.wait_for(process.wait(), seconds)
                except TimeoutError:
                    timed_out = True
                    _kill(process)
                    await process.wait()
                try:  # output a background child still writes is not waited for
                    await asyncio.wait_for(asyncio.shield(reader), 1.0)
                except TimeoutError:
                    reader.cancel()
            finally:
                self.running.discard(process)
                if process.returncode is None:
                    _kill(process)
            lines = output.decode("utf-8", "replace").splitlines()[-TAIL_LINES:]
            if timed_out:
                lines.append(f"(stopped: still running after {seconds:g} s)")
            code = None if timed_out else process.returncode
            return Outcome(code == 0, code, lines, time.monotonic() - started, timed_out)

    async def run_route(self, request: web.Request) -> web.Response:
        """``{"page": id, "name": script, "args": [...], "timeout": s, "inputs": {...}}`` -> the outcome."""
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("page"), str) or not isinstance(body.get("name"), str):
            raise web.HTTPBadRequest(text='expected JSON: {"page": "<page id>", "name": "<check>"}\n')
        workshop = await self.views.workshop()
        page = workshop.pages.get(body["page"]) if workshop is not None else None
        if page is None:
            raise web.HTTPNotFound(text=f"no page {body['page']!r} in this workshop\n")
        try:
            script, shell = find_script(workshop, page, body["name"])
            argv = script_argv(script, _args(body.get("args")), shell=shell)
            timeout = _timeout(body.get("timeout"))
        except (CheckError, OSError) as error:
            return web.json_response({"state": "failed", "code": None, "output": [str(error)], "seconds": 0})
        stdin = json.dumps(body["inputs"]).encode() if body.get("inputs") is not None else b""
        outcome = await self.execute(argv, stdin, timeout)
        log.info("check %s on %s: %s (exit %s)", body["name"], page.id,
                 "passed" if outcome.passed else "failed", outcome.code)
        store = request.app.get(PROGRESS)
        if store is not None and body["name"] in await self.views.off_loop(page_checks, page):
            await self.views.off_loop(record, store, attendee(request), page.id, body["name"], outcome)
        return web.json_response(outcome.json())


def record(store: Any, user: str, page_id: str, name: str, outcome: Outcome) -> None:
    """The outcome in the progress store; a failure never replaces a pass (the attendee did it)."""
    if not outcome.passed:
        checks = store.snapshot(user)["pages"].get(page_id, {}).get("checks", {})
        if checks.get(name, {}).get("state") == "passed":
            return
    store.result(user, "check", page_id, name, "passed" if outcome.passed else "failed",
                 code=outcome.code, seconds=round(outcome.seconds, 2))


def _args(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(item, (str, int, float)) for item in value):
        return [str(item) for item in value]
    raise CheckError("args must be a list of words")


def _timeout(value: Any) -> float:
    if value in (None, ""):
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise CheckError(f"timeout {value!r} is not a number of seconds") from None
    return min(max(seconds, 0.1), MAX_TIMEOUT)


def _kill(process: asyncio.subprocess.Process) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
