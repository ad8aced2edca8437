"""A page's checks run the way the attendee's would (the script found and started by
check_runner.py's ``find_script`` / ``script_argv``): an Educates examiner script
(``workshop/examiner/tests/<name>`` with the block's ``args``, its ``inputs`` defaults as JSON on
stdin, ``timeout`` default 15 s, ``retries`` (a number or ``.INF``) with ``delay`` between) or a
Killercoda step's ``verify`` script (run by bash), in the terminals' folder, with the
environment ``labdeck notes test`` runs in. A script that hangs is killed at its timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .check_blocks import VERIFY
from .check_runner import CheckError, find_script, script_argv
from .workshop import Page, Workshop


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    status: int | None  #: None: no script ran, or it was killed at its timeout
    output: bytes
    message: str = ""


def _number(value: Any, default: float) -> float:
    if isinstance(value, str) and value.strip().lower() in (".inf", "inf"):
        return math.inf
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def check_inputs(data: dict[str, Any]) -> dict[str, Any]:
    """The answers a headless run gives an ``inputs`` form: each field's ``default``."""
    schema = (data.get("inputs") or {}).get("schema") if isinstance(data.get("inputs"), dict) else None
    if not isinstance(schema, dict):
        return {}
    return {name: spec.get("default") for name, spec in schema.items() if isinstance(spec, dict) and "default" in spec}


async def _once(argv: list[str], stdin: bytes, cwd: Path, seconds: float) -> tuple[int | None, bytes]:
    process = await asyncio.create_subprocess_exec(*argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.STDOUT, cwd=cwd, start_new_session=True)
    try:
        output, _ = await asyncio.wait_for(process.communicate(stdin), seconds)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 9)
        output = b""
        await process.wait()
        return None, output
    return process.returncode, output


async def run_check(workshop: Workshop, page: Page, data: dict[str, Any], cwd: Path, budget: float) -> CheckResult:
    """One check, its script found and started as the attendee's check runner does
    (check_runner.py); ``budget`` caps the time retries may take (``.INF`` retries run until it)."""
    name = VERIFY if "verify" in data else str(data.get("name", ""))
    where = f"verify script {data['verify']!r}" if name == VERIFY else f"examiner test {name!r}"
    try:
        script, shell = find_script(workshop, page, name)
    except CheckError as error:
        return CheckResult(False, None, b"", f"{where}: {error}")
    argv = script_argv(script, [str(arg) for arg in data.get("args") or []], shell=shell)
    stdin = b"" if shell else json.dumps(check_inputs(data)).encode()
    timeout = budget if shell else _number(data.get("timeout"), 15.0)
    retries = 0.0 if shell else _number(data.get("retries"), 0.0)
    delay = _number(data.get("delay"), 1.0)
    deadline = time.monotonic() + budget
    attempt = 0
    while True:
        attempt += 1
        status, output = await _once(argv, stdin, cwd, max(0.1, min(timeout, deadline - time.monotonic())))
        if status == 0:
            return CheckResult(True, 0, output)
        if attempt > retries or time.monotonic() + delay >= deadline:
            tries = f" after {attempt} tries" if attempt > 1 else ""
            why = "killed at its timeout" if status is None else f"exit status {status}"
            return CheckResult(False, status, output, f"{where}: {why}{tries}")
        await asyncio.sleep(delay)
