"""A room signing in at once: N users log in at a real JupyterHub and reach a working terminal.

A real JupyterHub + configurable-http-proxy on loopback (tests/hub/hub_harness.py, with
images/hub/jupyterhub_config.py), SimpleLocalProcessSpawner spawning `labdeck serve` with
examples/workshop and every labdeck plugin installed in this venv. All N users start together;
each one, like a browser without JavaScript (aiohttp, one cookie jar per user):

1. signs in at the hub (`POST /hub/login`),
2. follows the hub to `/hub/spawn` and, while the server starts, polls `spawn-pending`,
3. follows `/user/<name>/` through labdeck's OAuth sign-in at the hub to a labdeck page, and
   asks for the notes' first page as the dashboard's notes pane does,
4. opens `<prefix>terminal/ws/session/1`, types `echo ok-$((6*7))` and waits for `ok-42`.

Printed: p50/p95 of the time from 1 to the end of 4 ("cold": the spawn included), then the
same for a second round with fresh cookie jars while every server runs ("warm": sign-in at
the hub, OAuth, a new terminal session `2`), and the memory of every user's process tree
(labdeck, its terminal server, the shells, the notes' render worker and node while they render
the pages ahead): RSS summed, and PSS (shared pages split), after each round and once settled
(the render workers stopped: notes renders.py).

    python tests/bench/bench_hub.py [--users 50] [--timeout 600]

Needs what tests/hub/ needs (jupyterhub in this venv, Node.js + npm for the proxy).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import signal
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "hub"))
from hub_harness import Browser, Hub, alive, hub_available, process_tree, start_hub  # noqa: E402
from procs import cpu_seconds, read  # noqa: E402

# The harness reports activity every second and starts the example plugin's upstream program (for
# its tests); here labdeck runs as deployed: activity every IDLE_TIMEOUT / 4 (the config's 7200 s
# default gives 300 s) and no example upstream.
BENCH_CONFIG = """
c.Spawner.environment.update({"JUPYTERHUB_ACTIVITY_INTERVAL": "300", "LABDECK_EXAMPLE_UPSTREAM_PORT": "0"})
"""


class Step:
    """Wall-clock times of one user's phases, in seconds since the start of the sign-in."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.marks: dict[str, float] = {}

    def mark(self, name: str) -> None:
        self.marks[name] = time.monotonic() - self.start


async def reach_labdeck(browser: Browser, user: str, deadline: float, step: Step) -> None:
    """Sign in at the hub, wait for the server, sign in to labdeck through the hub's OAuth."""
    await browser.login(user)
    step.mark("hub login")
    status, url, _ = await browser.get("hub/spawn")  # where the hub's login sends a user
    while urlsplit(url).path.startswith("/hub/spawn-pending/"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{user}'s server was still starting")
        await asyncio.sleep(0.5)
        status, url, _ = await browser.get(f"hub/spawn-pending/{user}")
    if status != 200 or not urlsplit(url).path.startswith(f"/user/{user}/"):
        raise RuntimeError(f"{user} ended at {url} ({status}), not in their labdeck")
    status, url, _ = await browser.get(f"user/{user}/notes/")  # the dashboard's notes pane, as it loads
    if status != 200:
        raise RuntimeError(f"{user}'s notes answered {status} at {url}")
    step.mark("labdeck page")


async def working_terminal(browser: Browser, user: str, session: str, deadline: float) -> None:
    """A WebSocket to the terminal, as the page opens it; a command's output must come back."""
    hub_url = browser.hub.url
    ws_url = f"{hub_url}user/{user}/terminal/ws/session/{session}?cols=80&rows=24"
    async with browser.session.ws_connect(ws_url, headers={"Origin": hub_url.rstrip("/")}) as ws:
        await ws.send_str(json.dumps({"t": "in", "d": "echo ok-$((6*7))\r"}))
        output = bytearray()
        while b"ok-42" not in output:
            message = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
            if message.type == aiohttp.WSMsgType.BINARY:  # terminal output
                output += message.data
            elif message.type != aiohttp.WSMsgType.TEXT:  # text is hello or ping; this is a close or an error
                raise RuntimeError(f"{user}'s terminal closed: {message.type} {message.extra}")


async def one_user(hub: Hub, user: str, session: str, deadline: float) -> dict[str, float]:
    browser = Browser(hub)
    try:
        step = Step()
        await reach_labdeck(browser, user, deadline, step)
        await working_terminal(browser, user, session, deadline)
        step.mark("terminal")
        return step.marks
    finally:
        await browser.close()


async def round_of(hub: Hub, users: list[str], session: str, within: float) -> list[dict[str, float]]:
    deadline = time.monotonic() + within
    results = await asyncio.gather(*(one_user(hub, user, session, deadline) for user in users),
                                   return_exceptions=True)
    failures = [f"{user}: {result!r}" for user, result in zip(users, results, strict=True)
                if isinstance(result, BaseException)]
    if failures:
        raise SystemExit(f"{len(failures)} of {len(users)} users failed:\n" + "\n".join(failures[:10])
                         + f"\n--- hub log ---\n{hub.tail()}")
    return [result for result in results if isinstance(result, dict)]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def report_round(title: str, marks: list[dict[str, float]]) -> None:
    total = [m["terminal"] for m in marks]
    print(f"\n{title}: {len(marks)} users")
    print(f"  login to working terminal: p50 {statistics.median(total):.2f} s, "
          f"p95 {percentile(total, 95):.2f} s, max {max(total):.2f} s")
    previous = {id(m): 0.0 for m in marks}
    for phase in ("hub login", "labdeck page", "terminal"):
        spans = [m[phase] - previous[id(m)] for m in marks]
        for m in marks:
            previous[id(m)] = m[phase]
        print(f"    {phase:<13} p50 {statistics.median(spans):6.2f} s   p95 {percentile(spans, 95):6.2f} s")


# -- memory and CPU of the process trees ---------------------------------------------------------------

def kind(pid: int) -> str:
    argv = read(f"/proc/{pid}/cmdline").split("\0")
    if "labdeck_terminal.server" in argv:
        return "terminal server"
    if any(a.endswith("asciidoctor_worker.mjs") for a in argv):
        return "node (AsciiDoc)"
    if any("labdeck_notes" in a for a in argv):
        return "notes render worker"
    if any(Path(a).name == "labdeck" for a in argv) and "serve" in argv:
        return "labdeck"
    return "shell"


def kib(pid: int, file: str, field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", read(f"/proc/{pid}/{file}"), re.M)
    return int(match.group(1)) if match else 0


async def user_pids(hub: Hub, users: list[str]) -> set[int]:
    roots = await asyncio.gather(*(hub.pid(user) for user in users))
    return set().union(*(process_tree(root) for root in roots))


def report_memory(pids: set[int], users: int) -> None:
    rows: dict[str, list[int]] = {}
    for pid in pids:
        row = rows.setdefault(kind(pid), [0, 0, 0])
        row[0] += 1
        row[1] += kib(pid, "status", "VmRSS")
        row[2] += kib(pid, "smaps_rollup", "Pss")
    print(f"\nmemory of the {users} users' process trees")
    print(f"  {'':<20} {'processes':>9} {'RSS MiB':>9} {'PSS MiB':>9} {'RSS/user':>9}")
    total = [sum(column) for column in zip(*rows.values(), strict=True)]
    for name, (count, rss, pss) in [*sorted(rows.items()), ("total", total)]:
        print(f"  {name:<20} {count:>9} {rss / 1024:>9.0f} {pss / 1024:>9.0f} {rss / 1024 / users:>9.1f}")


def report_cpu(hub: Hub, users_tree: set[int], before: dict[int, float]) -> None:
    """CPU seconds spent since ``before``, by the hub, the proxy and the users' processes."""
    spent: dict[str, float] = {}
    for pid in process_tree(hub.process.pid):
        if pid == hub.process.pid:
            name = "jupyterhub"
        elif pid in users_tree:
            name = "users' labdeck trees"
        elif "configurable-http-proxy" in read(f"/proc/{pid}/cmdline"):
            name = "configurable-http-proxy"
        else:
            continue
        spent[name] = spent.get(name, 0.0) + cpu_seconds(pid) - before.get(pid, 0.0)
    print("  CPU seconds: " + ", ".join(f"{name} {value:.1f}" for name, value in sorted(spent.items())))


def cpu_snapshot(hub: Hub) -> dict[int, float]:
    return {pid: cpu_seconds(pid) for pid in process_tree(hub.process.pid)}


async def bench(hub: Hub, users: list[str], within: float) -> None:
    rounds = (("cold (each server spawned by the sign-in)", "1"),
              ("warm (servers running; fresh browsers, a new terminal session each)", "2"))
    for title, session in rounds:
        before, started = cpu_snapshot(hub), time.monotonic()
        marks = await round_of(hub, users, session, within)
        report_round(title, marks)
        print(f"  whole round {time.monotonic() - started:.1f} s")
        tree = await user_pids(hub, users)
        report_cpu(hub, tree, before)
        report_memory(tree, len(users))
    # every page rendered ahead, the render workers (and node) stop: what a room holds from then on
    for _ in range(120):
        if not any(kind(pid) == "notes render worker" for pid in await user_pids(hub, users)):
            break
        await asyncio.sleep(0.5)
    print("\nsettled (no notes render worker left):", end="")
    report_memory(await user_pids(hub, users), len(users))


def stop_everything(hub: Hub) -> None:
    """Stop the hub (it stops every server), then end by pid whatever it left behind."""
    started = process_tree(hub.process.pid)
    hub.stop()
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 2.0)):
        left = alive(started)
        if not left:
            return
        print(f"ending {len(left)} processes the hub left ({sig.name})", file=sys.stderr)
        for pid in left:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while alive(started) and time.monotonic() < deadline:
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=600, help="seconds a round may take")
    args = parser.parse_args()
    reason = hub_available()
    if reason:
        raise SystemExit(reason)
    users = [f"user{i:03d}" for i in range(1, args.users + 1)]
    workshop = ROOT / "examples" / "workshop"
    env = {"IDLE_TIMEOUT": "0", "WORKSHOP_DIR": str(workshop), "PASS_ENVIRONMENT": "WORKSHOP_DIR"}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the cleanup below runs
    print(f"starting JupyterHub for {args.users} users on {os.cpu_count()} cores ...")
    hub = start_hub(users, env=env, extra_config=BENCH_CONFIG)
    try:
        asyncio.run(bench(hub, users, args.timeout))
    finally:
        stop_everything(hub)


if __name__ == "__main__":
    main()
