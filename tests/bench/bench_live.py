"""Live reload: an author saves a page; how long until the open page is told to reload and gets the change.

`labdeck serve` with the notes plugin on a copy of examples/workshop; a client holds the page's
live-reload stream (`<prefix>notes/-/events?page=index`, server-sent events, as the page's script
does). Each round appends a marker line to `content/index.md`, then times (from the write):

- `change`: the stream's `change` event arrives,
- `page`: the page fetched right after that event shows the marker (what the reload shows).

    python tests/bench/bench_live.py [--rounds 20]

Prints median and max of each; the target (issue 18) is ≤ 0.3 s every time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from labdeck_testing import free_port

ROOT = Path(__file__).resolve().parents[2]


async def sign_in(http: aiohttp.ClientSession, base: str, token: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            async with http.get(f"{base}?token={token}", allow_redirects=False):
                return
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.05)
    raise RuntimeError("labdeck did not start")


async def events(response: aiohttp.ClientResponse) -> str:
    """The next live-reload event's name (the stream's ``help`` events are skipped)."""
    name = ""
    while True:
        line = (await response.content.readline()).decode().strip()
        if line.startswith("event:"):
            name = line.split(":", 1)[1].strip()
        elif not line and name and name != "help":
            return name


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        workshop = Path(tmp) / "workshop"
        shutil.copytree(ROOT / "examples" / "workshop", workshop)
        page = workshop / "workshop" / "content" / "index.md"
        port, token = free_port(), secrets.token_urlsafe(12)
        env = {**os.environ, "LABDECK_PORT": str(port), "LABDECK_TOKEN": token, "LABDECK_RUNTIME_DIR": tmp,
               "LABDECK_PLUGINS": "notes", "WORKSHOP_DIR": str(workshop), "LABDECK_LOG_LEVEL": "warning"}
        base = f"http://127.0.0.1:{port}/"
        process = subprocess.Popen([sys.executable, "-m", "labdeck", "serve"], env=env,  # noqa: ASYNC220
                                   start_new_session=True, stdout=subprocess.DEVNULL)
        changes, pages = [], []
        try:
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                await sign_in(http, base, token)
                async with http.get(base + "notes/index") as response:
                    assert response.status == 200, response.status
                async with http.get(base + "notes/-/events?page=index") as stream:
                    assert await events(stream) == "version"
                    for round_ in range(args.rounds):
                        await asyncio.sleep(0.3 + (round_ % 7) * 0.071)  # saves at every phase of a poll
                        marker = f"edit-{round_}-{secrets.token_hex(4)}"
                        page.write_text(page.read_text() + f"\n{marker}\n")
                        saved = time.monotonic()
                        assert await events(stream) == "change"
                        changes.append(time.monotonic() - saved)
                        async with http.get(base + "notes/index") as response:
                            assert marker in await response.text()
                        pages.append(time.monotonic() - saved)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(10)
    load = os.getloadavg()[0]
    print(f"| {args.rounds} saves (load {load:.1f}) | median s | max s | target |\n| --- | ---: | ---: | --- |")
    print(f"| save to `change` event | {statistics.median(changes):.3f} | {max(changes):.3f} | |")
    print(f"| save to the reloaded page showing it | {statistics.median(pages):.3f} | {max(pages):.3f} | ≤ 0.3 s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
