"""``workshop/setup.d/*.sh``: run once when labdeck starts, as Educates runs them when a session
starts; their output goes to a log the author can read (``~/.labdeck/setup.d.log``).

They run one after another in file-name order, with ``bash``, in the home folder, with the
workshop definition's ``spec.session.env`` added to the environment. A failing script is noted
in the log and the next one still runs; labdeck serves meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from aiohttp import web

from .educates import load_definition

log = logging.getLogger(__name__)


def log_path() -> Path:
    return Path.home() / ".labdeck" / "setup.d.log"


def scripts(base: Path) -> list[Path]:
    folder = base / "setup.d"
    return sorted(p for p in folder.glob("*.sh") if p.is_file()) if folder.is_dir() else []


async def run_scripts(root: Path, base: Path, log_file: Path) -> int:
    """Run every script; returns how many failed."""
    definition = load_definition(root)
    env = {**os.environ, **(definition.env if definition else {}), "WORKSHOP_DIR": str(root)}
    log_file.parent.mkdir(parents=True, exist_ok=True)
    failed = 0
    with log_file.open("ab") as out:
        for script in scripts(base):
            out.write(f"=== {time.strftime('%Y-%m-%d %H:%M:%S')} {script}\n".encode())
            out.flush()
            process = await asyncio.create_subprocess_exec(
                "bash", str(script), stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
                cwd=str(Path.home()), env=env)
            status = await process.wait()
            out.write(f"=== exit status {status}\n".encode())
            out.flush()
            if status:
                failed += 1
                log.warning("workshop setup script %s failed (exit status %s); see %s", script.name, status, log_file)
    return failed


def setup_context(root: Path | None) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context for the notes sub-app: starts the scripts in the background."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        from ..folders import find_base

        task = None
        if root is not None and scripts(find_base(Path(root))[0]):
            base = find_base(Path(root))[0]
            log.info("running the workshop's setup.d scripts; their output goes to %s", log_path())
            task = asyncio.get_running_loop().create_task(run_scripts(Path(root), base, log_path()))
        yield
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return context
