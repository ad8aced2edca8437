"""``labdeck notes test DIR``: a workshop tested like code (docs/checks.md, "Testing a workshop in CI").

Starts a terminal server of its own (real shells, testshell.py), then for each page in the
workshop's order types its terminal blocks into their sessions, then runs its checks
(testchecks.py), and reports each block: passed, failed (exit status, last output lines,
file:line) or skipped (marked manual, or still running at the per-block timeout and cut with
Ctrl-C). A command followed, in its terminal, by an interrupt or input block is meant to keep
running: it passes if it has not failed within a short settle time.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import time
from dataclasses import dataclass
from pathlib import Path

from . import testreport
from .testchecks import run_check
from .testplan import ALL, Step, page_steps
from .testshell import Session, TerminalServer, available, plain
from .workshop import Page, Workshop, load_workshop

#: seconds a command followed by an interrupt or input block gets to fail before it is left running
SETTLE = 2.0
OUTPUT_LINES = 15


@dataclass
class Result:
    page: Page
    step: Step
    state: str  #: "passed", "failed" or "skipped"
    message: str = ""
    output: str = ""  #: the last lines of what the command printed
    seconds: float = 0.0

    @property
    def where(self) -> str:
        return f"{self.page.file}:{self.step.line}" if self.step.line else self.page.file


def last_lines(data: bytes, count: int = OUTPUT_LINES) -> str:
    lines = [line.rstrip() for line in plain(data).split("\n")]
    return "\n".join([line for line in lines if line.strip()][-count:])


class Runner:
    def __init__(self, workshop: Workshop, server: TerminalServer, timeout: float, cwd: Path) -> None:
        self.workshop = workshop
        self.server = server
        self.timeout = timeout
        self.cwd = cwd
        self.stuck: set[str] = set()  # sessions whose command ignored Ctrl-C
        self.left_running: dict[str, Result] = {}  # a session's command left running, by its block

    async def _sessions(self, name: str) -> list[Session]:
        names = (sorted(self.server.sessions) or ["1"]) if name == ALL else [name]
        return [await self.server.session(n) for n in names]

    async def _settle(self, session: Session) -> None:
        """Before typing a command: let a command left running end (its block learns how)."""
        if not session.busy:
            return
        status = await session.wait_idle(self.timeout)
        pending = self.left_running.pop(session.name, None)
        if status is None:
            await self._cut(session)
            if pending:
                pending.state, pending.message = "skipped", f"still running after {self.timeout:g} s: cut with Ctrl-C"
        elif status and pending:
            pending.state, pending.message = "failed", f"exit status {status} (after the blocks that followed it)"

    async def _cut(self, session: Session) -> str:
        if await session.interrupt():
            return ""
        self.stuck.add(session.name)
        return f"; Ctrl-C did not stop it: later blocks of terminal {session.name} are skipped"

    async def execute(self, result: Result, keep_running: bool) -> None:
        step = result.step
        for session in await self._sessions(step.session):
            if session.name in self.stuck:
                result.state, result.message = "skipped", f"terminal {session.name} is stuck (see above)"
                return
            if step.interrupt_first:
                self.left_running.pop(session.name, None)
                await session.interrupt()
            await self._settle(session)
            outcome = await session.run(step.text, SETTLE if keep_running else self.timeout)
            result.output = last_lines(outcome.output)
            if outcome.status is None and keep_running:
                session.busy = True
                self.left_running[session.name] = result
                result.message = "still running, as the next block of its terminal expects"
            elif outcome.status is None:
                result.state = "skipped"
                result.message = f"still running after {self.timeout:g} s: cut with Ctrl-C" + await self._cut(session)
                return
            elif outcome.status:
                result.state, result.message = "failed", f"exit status {outcome.status}"
                return

    async def interrupt(self, result: Result) -> None:
        for session in await self._sessions(result.step.session):
            self.left_running.pop(session.name, None)
            if session.name not in self.stuck and not await session.interrupt():
                self.stuck.add(session.name)
                result.state, result.message = "failed", f"terminal {session.name} did not stop on Ctrl-C"

    async def input(self, result: Result) -> None:
        step = result.step
        session = (await self._sessions(step.session))[0]
        if not session.busy and step.endl:  # typed at the prompt: a command like any other
            await self.execute(result, False)
            return
        await session.type(step.text + ("\r" if step.endl else ""))

    async def check(self, result: Result) -> None:
        outcome = await run_check(self.workshop, result.page, result.step.check, self.cwd, self.timeout)
        result.output = last_lines(outcome.output)
        if not outcome.passed:
            result.state, result.message = "failed", outcome.message

    async def page(self, page: Page, values: dict[str, str]) -> list[Result]:
        try:
            steps = page_steps(page, values)
        except (OSError, UnicodeDecodeError) as error:
            return [Result(page, Step("execute", 0), "failed", f"cannot read the page: {error}")]
        results: list[Result] = []
        for index, step in enumerate(steps):
            result = Result(page, step, "passed")
            results.append(result)
            if step.manual:
                result.state, result.message = "skipped", "marked manual (labdeck-test: manual)"
                continue
            started = time.monotonic()
            if step.kind == "execute":
                await self.execute(result, _kept_running(steps, index))
            elif step.kind == "interrupt":
                await self.interrupt(result)
            elif step.kind == "input":
                await self.input(result)
            else:
                await self.check(result)
            result.seconds = time.monotonic() - started
        return results


def _kept_running(steps: list[Step], index: int) -> bool:
    """Whether the next terminal block of this block's session interrupts it (``<ctrl-c>``,
    ``terminal:interrupt``, ``{{exec interrupt}}``) or types into it (``terminal:input``)."""
    session = steps[index].session
    for step in steps[index + 1:]:
        if step.kind != "check" and not step.manual and (step.session == session or ALL in (step.session, session)):
            return step.kind in ("interrupt", "input") or step.interrupt_first
    return False


def select_pages(workshop: Workshop, only: str | None, start: str | None) -> list[Page]:
    """The pages to test in order; ValueError names a PAGE that is no page of the workshop."""
    pages = [workshop.pages[page_id] for page_id in workshop.sequence]

    def find(name: str) -> int:
        wanted = name.strip("/")
        for position, page in enumerate(pages):
            if wanted in (page.id, page.file, page.file.rsplit(".", 1)[0]):
                return position
        raise ValueError(f"no page {name!r} (pages: {', '.join(p.id for p in pages)})")

    if only is not None:
        return [pages[find(only)]]
    return pages[find(start):] if start is not None else pages


async def test_workshop(workshop: Workshop, pages: list[Page], values: dict[str, str], block_seconds: float,
                        home: Path | None = None, report=None, server_args: tuple[str, ...] = ()) -> list[Result]:
    server = TerminalServer(home, server_args)
    results: list[Result] = []
    await server.start()
    try:
        runner = Runner(workshop, server, block_seconds, home or Path.home())
        for page in pages:
            page_results = await runner.page(page, values)
            results += page_results
            if report is not None:
                report(page, page_results)
    finally:
        await server.stop()
    return results


def run(args: argparse.Namespace) -> int:
    directory: Path = args.directory
    if not directory.is_dir():
        print(f"labdeck notes test: {directory} is not a folder")
        return 2
    if not available():
        print("labdeck notes test needs the terminal plugin: pip install labdeck-terminal")
        return 2
    from .variables import builtin_variables

    workshop = load_workshop(directory, workshop_file=args.deck.settings.notes.workshop_file)
    try:
        pages = select_pages(workshop, args.page, args.start)
    except ValueError as error:
        print(f"labdeck notes test: {error}")
        return 2
    values = {**builtin_variables(args.deck, workshop, getpass.getuser()), **workshop.config_vars}
    home, server_args = _terminal_settings(args.deck.settings)
    results = asyncio.run(test_workshop(workshop, pages, values, args.timeout, home, testreport.print_page,
                                        server_args))
    testreport.print_summary(directory, results)
    if args.junit:
        testreport.write_junit(args.junit, workshop, results)
    return 1 if any(result.state == "failed" for result in results) else 0


def _terminal_settings(settings) -> tuple[Path | None, tuple[str, ...]]:
    """The terminal plugin's home, shell and profile folders (TERMINAL_HOME, …): shells under
    test start as the attendees' do."""
    own = getattr(settings, "terminal", None)
    if own is None:
        return None, ()
    args: list[str] = ["--shell", own.shell] if getattr(own, "shell", None) else []
    for folder in getattr(own, "profile_dirs", None) or ():
        args += ["--profile-dir", str(folder)]
    return (Path(own.home) if getattr(own, "home", None) else None), tuple(args)
