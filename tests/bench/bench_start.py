"""Start and memory of one attendee: `labdeck serve` with the dashboard, notes and terminal plugins.

Each round, in one run (so the ratios compare figures taken under the same machine load):

- start: process start to the first 200 of the dashboard page (`/` with a signed-in cookie),
  and the same for a bare aiohttp app answering 200 (the floor: an interpreter importing aiohttp);
  also the CPU seconds each process had used at that 200 (steadier than wall time on a busy machine);
- CPU: user + system seconds of the web process and its terminal server once the dashboard has
  answered and a terminal session shows its prompt (the shells are not counted);
- memory: the whole process tree (web, terminal server, shells) with the dashboard, its notes
  pane's first page and 2 terminal sessions open, RSS summed and PSS (shared pages split), and the
  terminal server's own RSS: once half a second after (the notes' render worker, and node for the
  AsciiDoc page, rendering the workshop's pages ahead) and once settled (the worker has stopped).
  PSS splits pages shared with every process on the machine, other Pythons of the same
  interpreter included: measure on a quiet machine, as in a container.

    python tests/bench/bench_start.py [--rounds 5] [--workshop examples/workshop] [--against PYTHON] [--start-only]

Prints the median of the rounds and each round's ratio to the bare app. ``--against`` takes another
tree's interpreter (a venv of main, say): its labdeck is measured in the same rounds, alternating with
this one, each against a bare app of its own, and gets a column of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import aiohttp
from procs import cmdline, cpu_seconds, descendants, memory_kib

from labdeck_testing import free_port

ROOT = Path(__file__).resolve().parents[2]
BARE_APP = """
import sys
from aiohttp import web
async def ok(request): return web.Response(text="ok")
app = web.Application(); app.router.add_get("/", ok)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def get(url: str, cookie: str = "") -> tuple[int, str]:
    """Status and Set-Cookie (or Location) of one GET (a redirect is not followed)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with OPENER.open(request, timeout=10) as response:
            response.read()
            return response.status, ""
    except urllib.error.HTTPError as error:
        if error.code == 302 and cookie:
            return error.code, error.headers["Location"]
        return error.code, error.headers.get("Set-Cookie", "").split(";", 1)[0]


def poll(url: str, started: float, cookie: str = "", seconds: float = 60) -> tuple[float, int, str]:
    """Seconds from ``started`` until ``url`` answers at all, with the status and cookie it gave."""
    while time.monotonic() - started < seconds:
        try:
            status, set_cookie = get(url, cookie)
            return time.monotonic() - started, status, set_cookie
        except OSError:
            time.sleep(0.005)
    raise RuntimeError(f"{url} did not answer")


def tree_memory(root: int) -> tuple[float, float, float]:
    """RSS and PSS of the whole process tree, and the terminal server's RSS, in MiB."""
    rss = pss = terminal_rss = 0
    for pid in descendants(root):
        one_rss, one_pss = memory_kib(pid)
        rss, pss = rss + one_rss, pss + one_pss
        if "labdeck_terminal" in cmdline(pid):
            terminal_rss += one_rss
    return rss / 1024, pss / 1024, terminal_rss / 1024


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def bare_round() -> tuple[float, float]:
    """Seconds to the bare app's first 200, and the CPU seconds it had used by then."""
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-c", BARE_APP, str(port)], start_new_session=True)
    try:
        seconds, status, _ = poll(f"http://127.0.0.1:{port}/", started)
        assert status == 200, status
        return seconds, cpu_seconds(process.pid)
    finally:
        stop(process)


async def open_terminal(base: str, cookie: str, session: str) -> aiohttp.ClientWebSocketResponse:
    http = aiohttp.ClientSession(headers={"Cookie": cookie, "Origin": base.rstrip("/")})
    ws = await http.ws_connect(f"{base}terminal/ws/session/{session}?cols=80&rows=24", max_msg_size=0)
    received, text = 0, b""
    while not text.rstrip().endswith((b"$", b"#")):
        message = await ws.receive(timeout=30)
        if message.type == aiohttp.WSMsgType.BINARY:
            received += len(message.data)
            text += message.data
            await ws.send_str(json.dumps({"t": "ack", "n": received}))
        elif message.type != aiohttp.WSMsgType.TEXT:
            raise ConnectionError(message)
    ws._bench_http = http  # closed with the socket
    return ws


async def labdeck_round(workshop: Path, workdir: Path, python: str, start_only: bool = False) -> dict:
    port, token = free_port(), secrets.token_urlsafe(12)
    runtime = Path(tempfile.mkdtemp(prefix="lds-", dir=workdir))
    env = {**os.environ, "LABDECK_PORT": str(port), "LABDECK_TOKEN": token, "LABDECK_RUNTIME_DIR": str(runtime),
           "LABDECK_PLUGINS": "dashboard,notes,terminal", "WORKSHOP_DIR": str(workshop),
           "TERMINAL_HOME": str(workdir), "LABDECK_TERMINAL_PROFILE_DIRS": str(workdir / "none"),
           "LABDECK_LOG_LEVEL": "warning"}
    base = f"http://127.0.0.1:{port}/"
    started = time.monotonic()
    command = [str(Path(python).parent / "labdeck"), "serve"]  # the console script, as users start it
    process = subprocess.Popen(command, env=env, start_new_session=True,  # noqa: ASYNC220
                               stdout=subprocess.DEVNULL)
    try:
        _, _, cookie = poll(f"{base}?token={token}", started)
        status, location = get(base, cookie)
        if status == 302:  # `/` sends a signed-in user to the default page: the dashboard
            status, _ = get(urllib.parse.urljoin(base, location), cookie)
        first_200 = time.monotonic() - started
        assert status == 200, status
        web_cpu = cpu_seconds(process.pid)
        if start_only:
            return {"start": first_200, "web_cpu": web_cpu}
        sockets = [await open_terminal(base, cookie, "1")]
        pids = descendants(process.pid)
        servers = [pid for pid in pids if pid == process.pid or "labdeck_terminal" in cmdline(pid)]
        cpu = sum(cpu_seconds(pid) for pid in servers)
        sockets.append(await open_terminal(base, cookie, "2"))
        status, location = get(f"{base}notes/", cookie)  # the dashboard's notes pane: its first page
        assert status == 302 and get(urllib.parse.urljoin(base, location), cookie)[0] == 200, status
        await asyncio.sleep(0.5)
        busy = tree_memory(process.pid)
        for _ in range(60):  # the pages render ahead, then the render worker stops (a tree before
            if not any("labdeck_notes" in cmdline(pid) for pid in descendants(process.pid)):  # renders.py: 5 min)
                break
            await asyncio.sleep(0.5)
        rss, pss, terminal_rss = tree_memory(process.pid)
        for ws in sockets:
            await ws.close()
            await ws._bench_http.close()
        return {"start": first_200, "web_cpu": web_cpu, "cpu": cpu, "rss": rss, "pss": pss,
                "terminal_rss": terminal_rss, "busy_rss": busy[0], "busy_pss": busy[1]}
    finally:
        stop(process)


async def main_async(args: argparse.Namespace) -> None:
    pythons = {"this tree": sys.executable, **({f"--against {args.against}": args.against} if args.against else {})}
    rows: dict[str, list[dict]] = {name: [] for name in pythons}
    with tempfile.TemporaryDirectory(prefix="bench-start-") as tmp:
        for _, (name, python) in itertools.product(range(args.rounds), pythons.items()):
            bare, bare_cpu = bare_round()
            row = await labdeck_round(args.workshop.resolve(), Path(tmp), python, args.start_only)
            row["bare"], row["ratio"] = bare, row["start"] / bare
            row["bare_cpu"], row["cpu_ratio"] = bare_cpu, row["web_cpu"] / bare_cpu
            rows[name].append(row)
            line = (f"round ({name}): start {row['start']:.3f} s, bare {bare:.3f} s ({row['ratio']:.2f}x), "
                    f"CPU at the 200 {row['web_cpu']:.2f} s vs {bare_cpu:.2f} s ({row['cpu_ratio']:.2f}x)")
            if not args.start_only:
                line += (f", CPU to a terminal {row['cpu']:.2f} s, RSS {row['rss']:.1f} MiB, PSS {row['pss']:.1f} MiB "
                         f"(while the notes render: {row['busy_rss']:.1f} / {row['busy_pss']:.1f}), "
                         f"terminal server RSS {row['terminal_rss']:.1f} MiB")
            print(line, file=sys.stderr)
    medians = [{key: statistics.median(row[key] for row in column) for key in column[0]} for column in rows.values()]
    load = os.getloadavg()[0]
    print(f"| figure (median of {args.rounds}, load {load:.1f}) | {' | '.join(rows)} | target |")
    print(f"| --- |{' ---: |' * len(rows)} --- |")
    for key, label, cell, target in (
        ("start", "start to first 200 of the dashboard", lambda m: f"{m['start']:.3f} s", ""),
        ("bare", "bare aiohttp app to first 200", lambda m: f"{m['bare']:.3f} s", ""),
        ("ratio", "ratio (median of the rounds' ratios)", lambda m: f"{m['ratio']:.2f}x", "≤ 1.2x"),
        ("web_cpu", "CPU of the web process at its first 200 / the bare app's",
         lambda m: f"{m['web_cpu']:.2f} s / {m['bare_cpu']:.2f} s = {m['cpu_ratio']:.2f}x", ""),
        ("cpu", "CPU, web + terminal server, to a working terminal", lambda m: f"{m['cpu']:.2f} s", "≤ 0.6 s"),
        ("busy_rss", "dashboard + notes page + 2 terminals, while the notes render ahead: RSS / PSS",
         lambda m: f"{m['busy_rss']:.1f} / {m['busy_pss']:.1f} MiB", ""),
        ("rss", "dashboard + notes page + 2 terminals, settled: RSS", lambda m: f"{m['rss']:.1f} MiB", "≤ 75"),
        ("pss", "dashboard + notes page + 2 terminals, settled: PSS", lambda m: f"{m['pss']:.1f} MiB", "≤ 50"),
        ("terminal_rss", "terminal server alone, RSS", lambda m: f"{m['terminal_rss']:.1f} MiB", "≤ 15"),
    ):
        if key in medians[0]:
            print(f"| {label} | {' | '.join(cell(m) for m in medians)} | {target} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workshop", type=Path, default=ROOT / "examples" / "workshop")
    parser.add_argument("--against", metavar="PYTHON", help="another tree's interpreter, measured alternately")
    parser.add_argument("--start-only", action="store_true",
                        help="only the start rows: a round is a second, so run many (the ratio swings by round)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
