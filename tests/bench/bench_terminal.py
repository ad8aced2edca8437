"""Terminal backends side by side: labdeck's own server, Butterfly 3.2.5, terminado.

Measured with a WebSocket client (aiohttp), one run, one machine:
- throughput: `cat` of a 50 MB text file until a marker after it arrives (MB/s, best of 3),
- keystroke echo: 500 single keystrokes into `dd bs=1` on a raw tty, median and p95 (ms),
- session setup: WebSocket connect to the first prompt of a new session (median of 10, ms),
- RSS per added session: growth of the server's process tree over 10 new sessions (MiB).

labdeck and Butterfly are measured through `labdeck serve` (token auth + proxy), as a
browser reaches them; "labdeck direct" is the terminal server's own socket, and terminado
(a tornado app of its own, on loopback) has no proxy in front.

    pip install './plugins/terminal[butterfly]' terminado
    python tests/bench/bench_terminal.py [--megabytes 50] [--keys 500] [--sessions 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path

import aiohttp
from yarl import URL

from labdeck_testing import free_port

PROMPT = re.compile(rb"[$#] $")




def tree_rss_kib(root: int) -> int:
    """RSS of ``root`` and all its descendants."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        match = re.search(r"VmRSS:\s+(\d+)", status)
        rss[int(entry.name)] = int(match.group(1)) if match else 0
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


# -- one client class per protocol ------------------------------------------------------------

class Client:
    """Open a session, send keystrokes, read output (bytes)."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.http: aiohttp.ClientSession | None = None

    async def open(self, name: str) -> None: ...
    async def send(self, text: str) -> None: ...
    async def receive(self) -> bytes: ...

    async def until(self, test: Callable[[bytearray], bool], seconds: float = 60) -> None:
        async with asyncio.timeout(seconds):
            while not test(self.buffer):
                self.buffer += await self.receive()

    async def close(self) -> None:
        if self.http:
            await self.http.close()


def origin(base: str) -> dict[str, str]:
    """The Origin a browser sends from a page under ``base`` (labdeck refuses a WebSocket without one)."""
    return {"Origin": str(URL(base).origin())}


class LabdeckClient(Client):
    def __init__(self, base: str, cookies: dict | None = None, unix: str | None = None) -> None:
        super().__init__()
        self.base, self.cookies, self.unix = base, cookies, unix
        self.received = 0

    async def open(self, name: str) -> None:
        connector = aiohttp.UnixConnector(path=self.unix) if self.unix else None
        self.http = aiohttp.ClientSession(connector=connector, cookies=self.cookies)
        self.ws = await self.http.ws_connect(f"{self.base}ws/session/{name}?cols=80&rows=24", max_msg_size=0,
                                             headers={} if self.unix else origin(self.base))

    async def send(self, text: str) -> None:
        await self.ws.send_str(json.dumps({"t": "in", "d": text}))

    async def receive(self) -> bytes:
        while True:
            message = await self.ws.receive()
            if message.type == aiohttp.WSMsgType.BINARY:
                self.received += len(message.data)
                await self.ws.send_str(json.dumps({"t": "ack", "n": self.received}))  # as the page does
                return message.data
            if message.type != aiohttp.WSMsgType.TEXT:
                raise ConnectionError(message)


class ButterflyClient(Client):
    def __init__(self, base: str, cookies: dict | None = None) -> None:
        super().__init__()
        self.base, self.cookies = base, cookies

    async def open(self, name: str) -> None:
        self.http = aiohttp.ClientSession(cookies=self.cookies)
        self.ctl = await self.http.ws_connect(f"{self.base}ctl/session/{name}", headers=origin(self.base))
        self.ws = await self.http.ws_connect(f"{self.base}ws/session/{name}", max_msg_size=0,
                                             headers=origin(self.base))
        await self.ctl.send_str(json.dumps({"cmd": "open"}))
        await self.ctl.send_str(json.dumps({"cmd": "size", "cols": 80, "rows": 24}))

    async def send(self, text: str) -> None:
        await self.ws.send_str(text)

    async def receive(self) -> bytes:
        message = await self.ws.receive()
        if message.type != aiohttp.WSMsgType.TEXT:
            raise ConnectionError(message)
        return message.data.encode()


class TerminadoClient(Client):
    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    async def open(self, name: str) -> None:
        self.http = aiohttp.ClientSession()
        self.ws = await self.http.ws_connect(f"{self.base}websocket/{name}", max_msg_size=0)
        await self.ws.send_str(json.dumps(["set_size", 24, 80, 480, 640]))

    async def send(self, text: str) -> None:
        await self.ws.send_str(json.dumps(["stdin", text]))

    async def receive(self) -> bytes:
        while True:
            message = await self.ws.receive()
            if message.type != aiohttp.WSMsgType.TEXT:
                raise ConnectionError(message)
            kind, *rest = json.loads(message.data)
            if kind == "stdout":
                return rest[0].encode()


# -- the measurements ---------------------------------------------------------------------------

async def prompt(client: Client) -> None:
    await client.until(lambda b: bool(PROMPT.search(b[-64:])), 30)


async def throughput(make: Callable[[], Client], path: Path, megabytes: float) -> float:
    client = make()
    await client.open(f"bench-cat-{secrets.token_hex(3)}")
    await prompt(client)
    client.buffer.clear()
    marker = b"CAT-DONE-42"
    started = time.perf_counter()
    await client.send(f"cat {path}; echo CAT-DONE-$((6*7))\r")
    async with asyncio.timeout(300):
        tail = b""
        while marker not in tail:
            tail = (tail + await client.receive())[-64:]
    elapsed = time.perf_counter() - started
    await client.close()
    return megabytes / elapsed


def contains(needle: bytes) -> Callable[[bytearray], bool]:
    return lambda buffer: needle in buffer


async def echo(make: Callable[[], Client], keys: int) -> tuple[float, float]:
    client = make()
    await client.open(f"bench-echo-{secrets.token_hex(3)}")
    await prompt(client)
    await client.send(f"stty raw -echo; dd bs=1 count={keys + 1} status=none; stty sane; echo ECHO-DONE-$((2+2))\r")
    await client.until(lambda b: b"\x1b[?2004l" in b, 30)  # bash took the line
    client.buffer.clear()
    await client.send("w")  # warm-up keystroke: answered once dd runs
    await client.until(lambda b: b"w" in b, 30)
    client.buffer.clear()
    times = []
    for i in range(keys):
        key = "abcdefghijklmnopqrstuvwxyz"[i % 26]
        started = time.perf_counter()
        await client.send(key)
        await client.until(contains(key.encode()), 10)
        times.append((time.perf_counter() - started) * 1000)
        if i < keys - 1:  # the last echo may come with what follows dd
            client.buffer.clear()
    await client.until(lambda b: b"ECHO-DONE-4" in b, 10)
    await client.close()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


async def sessions(make: Callable[[], Client], count: int, server_pid: int) -> tuple[float, float]:
    warm = make()  # the first session costs the server more than the next ones: not counted
    await warm.open(f"bench-warm-{secrets.token_hex(2)}")
    await prompt(warm)
    await asyncio.sleep(0.5)
    before = tree_rss_kib(server_pid)
    setup, clients = [], []
    for i in range(count):
        client = make()
        started = time.perf_counter()
        await client.open(f"bench-rss-{i}-{secrets.token_hex(2)}")
        await prompt(client)
        setup.append((time.perf_counter() - started) * 1000)
        clients.append(client)
    await asyncio.sleep(1.0)
    added = (tree_rss_kib(server_pid) - before) / count / 1024
    for client in [warm, *clients]:
        await client.send("exit\r")
        await client.close()
    return statistics.median(setup), added


# -- the servers --------------------------------------------------------------------------------

def start_labdeck(stack: ExitStack, workdir: Path, backend: str) -> tuple[str, dict, int, Path]:
    runtime = Path(tempfile.mkdtemp(prefix="ldb-", dir=workdir))
    port, token = free_port(), secrets.token_urlsafe(12)
    env = {**os.environ, "LABDECK_PORT": str(port), "LABDECK_TOKEN": token, "LABDECK_RUNTIME_DIR": str(runtime),
           "LABDECK_PLUGINS": "terminal", "TERMINAL_BACKEND": backend, "TERMINAL_HOME": str(workdir),
           "LABDECK_TERMINAL_PROFILE_DIRS": str(workdir / "none"), "LABDECK_LOG_LEVEL": "warning"}
    process = subprocess.Popen([sys.executable, "-m", "labdeck", "serve"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    stack.callback(stop, process)
    base = f"http://127.0.0.1:{port}/"
    cookies = sign_in(base, token)
    program = wait_child(process.pid)
    return base + "terminal/", cookies, program, runtime


def sign_in(base: str, token: str, seconds: float = 30) -> dict:
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.build_opener(NoRedirect).open(f"{base}?token={token}")
        except urllib.error.HTTPError as error:
            name, _, rest = error.headers.get("Set-Cookie", "").partition("=")
            return {name: rest.split(";", 1)[0]}
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("labdeck did not start")


def wait_child(parent: int, seconds: float = 20) -> int:
    """The terminal program labdeck started (its only child)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                        return int(entry.name)
                except OSError:
                    continue
        time.sleep(0.1)
    raise RuntimeError("labdeck started no program")


TERMINADO_APP = textwrap.dedent("""
    import sys, tornado.ioloop, tornado.web, terminado
    manager = terminado.NamedTermManager(shell_command=["bash", "-l"], max_terminals=100)
    app = tornado.web.Application([(r"/websocket/([\\w-]+)", terminado.TermSocket, {"term_manager": manager})])
    app.listen(int(sys.argv[1]), "127.0.0.1")
    tornado.ioloop.IOLoop.current().start()
""")


def start_terminado(stack: ExitStack, workdir: Path) -> tuple[str, int]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", TERMINADO_APP, str(port)], cwd=workdir,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    stack.callback(stop, process)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return f"http://127.0.0.1:{port}/", process.pid
        time.sleep(0.1)
    raise RuntimeError("terminado did not start")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# -- main ---------------------------------------------------------------------------------------

async def measure(name: str, make: Callable[[], Client], pid: int, args: argparse.Namespace,
                  path: Path) -> dict:
    row: dict = {"backend": name}

    async def step(key: str, coro: Awaitable) -> None:
        try:
            row[key] = await coro
        except (TimeoutError, ConnectionError, aiohttp.ClientError) as error:
            row[key] = f"failed: {type(error).__name__}"

    await step("setup_rss", sessions(make, args.sessions, pid))
    await step("echo", echo(make, args.keys))
    for _ in range(args.repeat):  # the best of a few runs: other processes share the 2 cores
        await step("throughput", throughput(make, path, args.megabytes))
        row["runs"] = [*row.get("runs", []), row["throughput"]]
    numbers = [r for r in row["runs"] if not isinstance(r, str)]
    row["throughput"] = max(numbers) if numbers else row["runs"][-1]
    print(json.dumps(row), flush=True)
    return row


def table(rows: list[dict], megabytes: float, keys: int) -> str:
    def fmt(value, index=None, digits=1) -> str:
        if isinstance(value, str):
            return value
        return f"{(value[index] if index is not None else value):.{digits}f}"

    lines = [f"| backend | cat {megabytes:g} MB (MB/s) | echo median (ms) | echo p95 (ms) | "
             f"session setup (ms) | RSS per session (MiB) |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        echo, setup = row.get("echo", "-"), row.get("setup_rss", "-")
        lines.append(f"| {row['backend']} | {fmt(row.get('throughput', '-'))} | {fmt(echo, 0, 2)} | "
                     f"{fmt(echo, 1, 2)} | {fmt(setup, 0)} | {fmt(setup, 1)} |")
    return "\n".join(lines) + f"\n\n(echo over {keys} keystrokes; sessions: median of setup, RSS growth / count)\n"


def write_text_file(path: Path, megabytes: float) -> float:
    """Lines of hex digits: what `cat` of a log or a data file looks like. Returns its size in MB."""
    line = (secrets.token_hex(39) + "\n").encode()
    path.write_bytes(line * int(megabytes * 1_000_000 / len(line)))
    return path.stat().st_size / 1_000_000


async def main_async(args: argparse.Namespace) -> None:
    with ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="ldbench-"))
        stack.callback(shutil.rmtree, workdir, True)
        path = workdir / "big.txt"
        megabytes = write_text_file(path, args.megabytes)
        rows = []
        own, cookies, own_pid, runtime = start_labdeck(stack, workdir, "own")
        rows.append(await measure("labdeck (own server, via labdeck)", lambda: LabdeckClient(own, cookies), own_pid,
                                  args, path))
        rows.append(await measure("labdeck (own server, direct socket)",
                                  lambda: LabdeckClient("http://terminal/", unix=str(runtime / "terminal.sock")),
                                  own_pid, args, path))
        if shutil.which("butterfly.server.py", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}"):
            bf, bf_cookies, bf_pid, _ = start_labdeck(stack, workdir, "butterfly")
            rows.append(await measure("Butterfly 3.2.5 (via labdeck)", lambda: ButterflyClient(bf, bf_cookies),
                                      bf_pid, args, path))
        try:
            import terminado  # noqa: F401
        except ImportError:
            print("terminado not installed: skipped", file=sys.stderr)
        else:
            td, td_pid = start_terminado(stack, workdir)
            rows.append(await measure("terminado 0.18 (direct)", lambda: TerminadoClient(td), td_pid, args, path))
        print()
        print(table(rows, megabytes, args.keys))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--megabytes", type=float, default=50)
    parser.add_argument("--keys", type=int, default=500)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="throughput runs per backend (best counts)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
