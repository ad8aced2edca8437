"""A page's checks run the way the attendee's would: an Educates examiner script
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

from .files import safe_file


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


async def run_check(base: Path, root: Path, data: dict[str, Any], cwd: Path, budget: float) -> CheckResult:
    """One check; ``budget`` caps the time retries may take (``.INF`` retries run until it)."""
    if "verify" in data:
        script = safe_file(root, str(data["verify"]))
        argv = ["bash", str(script)] if script else []
        stdin, timeout, retries, delay = b"", budget, 0.0, 0.0
        where = f"verify script {data['verify']!r}"
    else:
        name = str(data.get("name", ""))
        script = safe_file(base / "examiner" / "tests", name) if name else None
        argv = [str(script), *(str(arg) for arg in data.get("args") or [])] if script else []
        stdin = json.dumps(check_inputs(data)).encode()
        timeout = _number(data.get("timeout"), 15.0)
        retries, delay = _number(data.get("retries"), 0.0), _number(data.get("delay"), 1.0)
        where = f"examiner test {name!r}"
    if not argv:
        return CheckResult(False, None, b"", f"{where}: no such script")
    if not os.access(argv[0], os.X_OK) and argv[0] != "bash":
        return CheckResult(False, None, b"", f"{where}: the script is not executable (chmod +x)")
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
