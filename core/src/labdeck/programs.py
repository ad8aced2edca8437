"""Run the plugins' ``ProgramSpec`` as children of ``labdeck serve`` (no supervisord): each in its own
process group, restarted when it dies (with a pause growing up to 5 s), stopped with its whole group when
labdeck stops. On Linux the kernel also SIGTERMs a child whose labdeck dies abruptly (unless ``outlives_crash``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
from collections.abc import Sequence
from pathlib import Path

from .specs import ProgramSpec

log = logging.getLogger("labdeck.programs")


def _die_with_parent() -> None:  # runs in the child between fork and exec; Linux only (else AttributeError)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Program:
    def __init__(self, spec: ProgramSpec):
        self.spec = spec
        self.process: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task | None = None
        self.restarts, self._stopping = 0, False

    async def _spawn(self) -> asyncio.subprocess.Process:
        env = {**{k: v for k, v in os.environ.items() if k not in self.spec.unset_environment}, **self.spec.environment}
        return await asyncio.create_subprocess_exec(*self.spec.command, env=env, cwd=self.spec.directory,
                                                    stdin=asyncio.subprocess.DEVNULL, start_new_session=True,
                                                    preexec_fn=None if self.spec.outlives_crash else _die_with_parent)

    async def _keep_running(self) -> None:
        pause, loop = 0.1, asyncio.get_running_loop()
        while not self._stopping:
            started = loop.time()
            try:
                self.process = await self._spawn()
            except OSError as error:
                log.error("program %s could not start: %s", self.spec.name, error)
            else:
                log.info("program %s started (pid %s)", self.spec.name, self.process.pid)
                code = await self.process.wait()
                if self._stopping:
                    return
                log.warning("program %s exited with %s", self.spec.name, code)
                pause = 0.1 if loop.time() - started >= self.spec.startsecs else pause
            if not self.spec.autorestart:
                return
            self.restarts += 1
            await asyncio.sleep(pause)
            pause = min(pause * 2, 5.0)

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._keep_running())

    async def stop(self) -> None:
        self._stopping = True
        if (process := self.process) is not None and process.returncode is None:
            sig = getattr(signal, "SIG" + self.spec.stopsignal.upper(), signal.SIGTERM)
            self._signal(process.pid, sig)
            try:
                await asyncio.wait_for(process.wait(), self.spec.stopwaitsecs)
            except TimeoutError:
                self._signal(process.pid, signal.SIGKILL)
                await process.wait()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _signal(self, pid: int, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            group = self.spec.stopasgroup or (sig == signal.SIGKILL and self.spec.killasgroup)
            (os.killpg if group else os.kill)(pid, sig)


class ProgramRunner:
    """Starts every program, restarts them, stops them all together."""

    def __init__(self, specs: Sequence[ProgramSpec]):
        self.programs = {spec.name: Program(spec) for spec in specs}

    def start(self) -> None:
        """Start them, first blanking what one may not inherit in labdeck's /proc/<pid>/environ (it could read it)."""
        names = {name.encode() for program in self.programs.values() for name in program.spec.unset_environment}
        with contextlib.suppress(OSError, ValueError):
            base, offset = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[47]), 0  # env_start
            for entry in Path("/proc/self/environ").read_bytes().split(b"\0"):
                name, _, value = entry.partition(b"=")
                if name in names:
                    ctypes.memset(base + offset + len(name) + 1, 0, len(value))
                    os.unsetenv(name)
                offset += len(entry) + 1
        for program in self.programs.values():
            program.start()

    async def stop(self) -> None:
        await asyncio.gather(*(p.stop() for p in self.programs.values()))
