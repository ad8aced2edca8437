"""Chromium driven over its DevTools pipe with only the domains a benchmark asks for.

Playwright enables the Network domain on every page and sends each WebSocket frame, base64, to
its driver and on to Python: during a terminal flood (26 MB of frames) that took more CPU
(Python 5.8 s, its node driver 2.7 s, Chromium's browser process 1.4 s) than the page itself, on a
2-core machine where the bytes' own pipeline needs the other core. An attendee's browser has
no such observer, so bench_flood.py drives Chromium with this instead: `Runtime.evaluate` and
`Input.dispatchKeyEvent` on one page, nothing else enabled.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import time
from typing import Any

KEYS = {"Enter": {"code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"}}


class PipeBrowser:
    """``chromium --remote-debugging-pipe``: commands on fd 3, answers and events on fd 4."""

    def __init__(self, executable: str, args: list[str], user_data_dir: str, *,
                 size: tuple[int, int] = (1000, 700), cpus: set[int] | None = None) -> None:
        to_chromium, self._write = os.pipe()
        self._read, from_chromium = os.pipe()

        def child() -> None:  # fds 3 and 4, inheritable (dup2 onto itself would keep close-on-exec)
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chromium, from_chromium)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)
            if cpus:
                os.sched_setaffinity(0, cpus)

        self.process = subprocess.Popen(
            [executable, "--headless", "--remote-debugging-pipe", f"--user-data-dir={user_data_dir}",
             f"--window-size={size[0]},{size[1]}", *args, "about:blank"],
            preexec_fn=child, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chromium)
        os.close(from_chromium)
        self._buffer = b""
        self._next_id = 0

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """One command; events that arrive meanwhile are dropped (none is enabled but Target's)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._read, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed its DevTools pipe")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            answer = json.loads(raw)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error'].get('message')}")
                return answer.get("result", {})

    def new_page(self, url: str = "about:blank") -> PipePage:
        target = self.send("Target.createTarget", {"url": url})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        return PipePage(self, session)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, OSError):
            pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self._read)
        os.close(self._write)


class PipePage:
    def __init__(self, browser: PipeBrowser, session: str) -> None:
        self.browser, self.session = browser, session

    def send(self, method: str, params: dict | None = None) -> dict:
        return self.browser.send(method, params, self.session)

    def goto(self, url: str) -> None:
        self.send("Page.navigate", {"url": url})

    def call(self, function: str, *args: Any) -> Any:
        """What the JavaScript ``function`` returns (awaited) given ``args``."""
        return self.evaluate(f"({function})({', '.join(json.dumps(arg) for arg in args)})")

    def evaluate(self, expression: str) -> Any:
        """``expression``'s value, awaited."""
        result = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True, "userGesture": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails'].get('text')} "
                               f"{result['exceptionDetails'].get('exception', {}).get('description', '')}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60) -> None:
        """Until ``expression`` is truthy (evaluating it may fail while the page navigates)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.evaluate(f"!!({expression})"):
                    return
            except RuntimeError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"not true after {timeout} s: {expression}")
            time.sleep(0.1)

    def press(self, key: str) -> None:
        named = KEYS.get(key, {"text": key})
        self.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": key, **named})
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, **{k: v for k, v in named.items()
                                                                             if k != "text"}})

    def type(self, text: str) -> None:
        for char in text:
            self.press("Enter" if char == "\n" else char)
