"""What keeps the terminal server small (issue 18: at most 15 MiB RSS, docs/benchmarks.md): after
a start, a session, a page and a stop, it has imported neither asyncio nor typing nor the other
heavy modules the server does without. ``python -X importtime`` lists every module a process
imports, on its stderr."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys

from terminal_helpers import Term, short_dir, wait_for

#: each would bring back RSS the server gave up (asyncio alone ~6.6 MiB, with typing and inspect)
HEAVY = {"asyncio", "typing", "inspect", "dataclasses", "logging", "argparse", "pathlib", "html", "ssl", "hashlib",
         "threading", "aiohttp", "labdeck"}


async def use(socket_path: str) -> None:
    """A session that runs a command, and the page: what an attendee's first minute asks of the server."""
    term = await Term.open("http://terminal/", "1", socket_path=socket_path)
    await term.run("echo imported-$((6*7))", "imported-42")
    page = await term.http.get("http://terminal/session/1")
    assert page.status == 200
    await term.close()


def test_a_serving_terminal_server_imports_no_asyncio_nor_typing():
    folder = short_dir()
    socket_path = str(folder / "terminal.sock")
    process = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "labdeck_terminal.server",
                                "--socket", socket_path, "--profile-dir", "", "--home", str(folder)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: (folder / "terminal.sock").exists() or process.poll() is not None)
        asyncio.run(use(socket_path))
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    imported = set(re.findall(r"^import time:.*\|\s*(\S+)$", stderr, re.M))
    assert {"labdeck_terminal.httpd", "labdeck_terminal.pty", "json"} <= imported  # the list is complete
    heavy = {name for name in imported if name.split(".")[0] in HEAVY}
    assert not heavy, f"the terminal server imported {sorted(heavy)}"
    assert process.returncode == 0
