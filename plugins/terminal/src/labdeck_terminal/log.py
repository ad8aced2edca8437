"""The terminal server's log: lines on stderr, as ``logging`` would format them.

``logging`` (with threading, traceback, weakref, string) is ~0.8 MiB of the server's RSS for a
dozen lines a day; this writes the same lines: ``2026-12-06 04:52:54,372 terminal INFO message``.
"""

from __future__ import annotations

import sys
import time

LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}
threshold = LEVELS["info"]


def set_level(name: str) -> None:
    global threshold
    threshold = LEVELS[name.lower()]


def _write(level: str, message: str, args: tuple, exc_info: tuple | None = None) -> None:
    if LEVELS[level.lower()] < threshold:
        return
    now = time.time()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now)) + f",{int(now % 1 * 1000):03d}"
    text = f"{stamp} terminal {level} {message % args if args else message}\n"
    if exc_info:
        import traceback  # only when something went wrong

        text += "".join(traceback.format_exception(*exc_info))
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr gone (the parent died): the shells matter more
        pass


def info(message: str, *args: object) -> None:
    _write("INFO", message, args)


def warning(message: str, *args: object) -> None:
    _write("WARNING", message, args)


def error(message: str, *args: object, exc_info: tuple | None = None) -> None:
    _write("ERROR", message, args, exc_info)
