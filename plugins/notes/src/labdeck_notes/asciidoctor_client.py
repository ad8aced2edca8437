"""The node process that runs Asciidoctor.js (asciidoctor_worker.mjs), seen from Python.

One process, started on the first AsciiDoc page and reused for every later one: node and
Asciidoctor.js take a few hundred milliseconds to start, a warm render a few. It is a
child of the render worker (worker.py), in the worker's process group, so a page that
takes too long is stopped with the worker; ``stop`` ends it when the worker ends.
Requests and replies are JSON, one a line.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
SCRIPT = HERE / "asciidoctor_worker.mjs"
LIBRARY = HERE / "static" / "vendor" / "asciidoctor" / "asciidoctor.mjs"
NO_NODE = ("AsciiDoc pages are rendered by Asciidoctor.js, which needs Node.js: install the `nodejs` "
           "package (Debian) so that `node` is on the PATH of labdeck's server")


class AsciidoctorUnavailable(Exception):
    """Node.js or the bundled Asciidoctor.js is missing, or node stopped answering."""


class AsciidoctorProcess:
    """``process.render(request) -> reply`` (dicts); starts node when first needed."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self.version = ""

    def _start(self) -> subprocess.Popen[str]:
        node = shutil.which("node")
        if node is None:
            raise AsciidoctorUnavailable(NO_NODE)
        if not LIBRARY.is_file():
            raise AsciidoctorUnavailable(f"Asciidoctor.js is missing from this installation ({LIBRARY}): "
                                         "reinstall labdeck-notes from a wheel built with npm")
        process = subprocess.Popen([node, str(SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   text=True, encoding="utf-8", bufsize=1)
        assert process.stdout is not None
        ready = process.stdout.readline()
        if not ready:
            process.wait()
            raise AsciidoctorUnavailable(f"node could not start Asciidoctor.js (exit status {process.returncode})")
        self.version = json.loads(ready).get("ready", "")
        log.info("Asciidoctor %s (Asciidoctor.js) started in node (pid %d)", self.version, process.pid)
        return process

    def _running(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self._process = self._start()
        return self._process

    def prestart(self) -> None:
        """Start node now (in a thread, while the workshop loads), so that the first AsciiDoc
        page does not wait for it; a failure is left for that page to report."""
        with self._lock:
            try:
                self._running()
            except AsciidoctorUnavailable:
                pass

    def render(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            process = self._running()
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(json.dumps(request) + "\n")
                process.stdin.flush()
                line = process.stdout.readline()
            except OSError:
                line = ""
            if not line:
                self.stop()
                raise AsciidoctorUnavailable("node stopped while rendering this page")
            return json.loads(line)

    def stop(self) -> None:
        """End node: it exits when its stdin closes."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin is not None:
                process.stdin.close()
            process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()


#: the render worker's one node process
ASCIIDOCTOR = AsciidoctorProcess()


def has_asciidoc(content: Path | None) -> bool:
    """Whether the workshop folder holds any ``.adoc`` page."""
    if content is None:
        return False
    try:
        return next(Path(content).rglob("*.adoc"), None) is not None
    except OSError:
        return False


def warn_without_node(content: Path | None) -> None:
    """At start: say so when the workshop has AsciiDoc pages and no node can render them."""
    if shutil.which("node") is None and has_asciidoc(content):
        log.warning("%s has AsciiDoc pages, and they will show an error: %s", content, NO_NODE)
