"""Small-GET throughput and latency: direct, through labdeck, configurable-http-proxy and nginx.

One run, one machine, the same upstream (nginx answering a fixed body) and the same load
(wrk). Only the ratios mean anything: the load tool shares the CPU with the servers. Each
round runs every path once, starting one path further along than the round before, and the
figures are medians over the rounds: which path runs after which, and where the scheduler
puts three busy processes on two cores, moved a single 10-second run by ±15%.

    python tests/bench/bench_proxy.py [--rounds 5] [--duration 4] [--connections 50] [--against PYTHON]

``--against`` takes another tree's interpreter (a venv with labdeck installed from it): its
labdeck is one more path, "labdeck before", with the token as the first labdeck row.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from labdeck_testing import free_port

HERE = Path(__file__).resolve().parent
# not a proxy: an aiohttp server answering by itself, on uvloop, as labdeck runs. What any
# aiohttp-based proxy costs at least, before it makes its own request upstream.
HELLO = """
import sys, uvloop
from aiohttp import web
async def hello(request):
    return web.Response(text="hello from upstream\\n")
app = web.Application()
app.router.add_get("/", hello)
uvloop.run(web._run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None))
"""




def wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def nginx(stack: ExitStack, workdir: Path, port: int, upstream: int | None) -> int:
    body = ("location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection \"\"; }"
            if upstream else 'location / { default_type text/plain; return 200 "hello from upstream\\n"; }')
    upstream_block = f"upstream up {{ server 127.0.0.1:{upstream}; keepalive 64; }}" if upstream else ""
    conf = workdir / f"nginx-{port}.conf"
    conf.write_text(f"""worker_processes 1; pid {workdir}/nginx-{port}.pid; error_log stderr error;
events {{ worker_connections 1024; }}
http {{ access_log off; {upstream_block}
  client_body_temp_path {workdir}; proxy_temp_path {workdir}; fastcgi_temp_path {workdir};
  uwsgi_temp_path {workdir}; scgi_temp_path {workdir};
  server {{ listen 127.0.0.1:{port}; {body} }} }}
""")
    return start(stack, ["nginx", "-p", str(workdir), "-c", str(conf), "-g", "daemon off;"], port)


def start(stack: ExitStack, command: list[str], port: int, env: dict | None = None) -> int:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, **(env or {})})
    stack.callback(lambda: (process.terminate(), process.wait(10)))
    wait_port(port)
    return process.pid


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes and their children so far."""
    total = 0
    for pid in pids:
        for task in (Path(f"/proc/{pid}/task")).iterdir():
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def wrk(url: str, duration: int, connections: int, headers: list[str] = ()) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    for header in headers:
        command[1:1] = ["-H", header]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Latency Distribution" not in out:
        raise RuntimeError(f"wrk against {url} gave no figures:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def percentile(p: str) -> float:
        value, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": percentile("50"), "p99": percentile("99"),
            "errors": int(errors.group(1)) if errors else 0}


def session_cookie(port: int, token: str) -> str:
    """The ``name=value`` of the session cookie a browser gets when it signs in with the token."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", f"/?token={token}")
    response = connection.getresponse()
    cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
    connection.close()
    if response.status != 302 or "=" not in cookie:
        raise RuntimeError(f"signing in with the token gave {response.status} and no cookie")
    return cookie


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=4, help="seconds per path per round")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--against", metavar="PYTHON", help="another tree's interpreter: its labdeck is one more path")
    args = parser.parse_args()
    chp = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
    if not chp.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True)
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            print(f"needs {tool}: apt-get install -y wrk nginx-light", file=sys.stderr)
            return 2
    token = secrets.token_urlsafe(16)
    results = {}
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        upstream = free_port()
        nginx(stack, workdir, upstream, None)
        ports = {name: free_port() for name in ("labdeck", "before", "chp", "nginx", "hello")}
        pids = {"direct": []}
        pids["labdeck"] = pids["labdeck, browser's cookie"] = [start(stack, [
            sys.executable, str(HERE / "proxy_app.py"), str(ports["labdeck"]), str(upstream), token], ports["labdeck"])]
        if args.against:
            pids["labdeck before"] = [start(stack, [
                args.against, str(HERE / "proxy_app.py"), str(ports["before"]), str(upstream), token], ports["before"])]
        chp_command = [str(chp), "--ip", "127.0.0.1", "--port", str(ports["chp"]), "--api-ip", "127.0.0.1",
                       "--api-port", str(free_port()), "--default-target", f"http://127.0.0.1:{upstream}",
                       "--log-level", "error"]
        pids["configurable-http-proxy"] = [start(stack, chp_command, ports["chp"],
                                                 env={"CONFIGPROXY_AUTH_TOKEN": token})]
        pids["nginx"] = [nginx(stack, workdir, ports["nginx"], upstream)]
        hello = [sys.executable, "-c", HELLO, str(ports["hello"])]
        pids["aiohttp hello (floor)"] = [start(stack, hello, ports["hello"])]
        runs = {
            "direct": (f"http://127.0.0.1:{upstream}/", []),
            "labdeck": (f"http://127.0.0.1:{ports['labdeck']}/up/", [f"Authorization: token {token}"]),
            # as a signed-in browser asks: the session cookie, beside a cookie of the upstream's own
            "labdeck, browser's cookie": (f"http://127.0.0.1:{ports['labdeck']}/up/",
                                          [f"Cookie: {session_cookie(ports['labdeck'], token)}; _xsrf=2|a1b2|c3d4"]),
            **({"labdeck before": (f"http://127.0.0.1:{ports['before']}/up/", [f"Authorization: token {token}"])}
               if args.against else {}),
            "configurable-http-proxy": (f"http://127.0.0.1:{ports['chp']}/", []),
            "nginx": (f"http://127.0.0.1:{ports['nginx']}/", []),
            "aiohttp hello (floor)": (f"http://127.0.0.1:{ports['hello']}/", []),
        }
        for url, headers in runs.values():
            wrk(url, 2, args.connections, headers)  # warm up
        names = list(runs)
        rounds: dict[str, list[dict]] = {name: [] for name in names}
        for turn in range(args.rounds):
            for name in names[turn % len(names):] + names[:turn % len(names)]:
                url, headers = runs[name]
                before = cpu_seconds(pids[name])
                figures = wrk(url, args.duration, args.connections, headers)
                requests = figures["rps"] * args.duration
                figures["cpu_us"] = (cpu_seconds(pids[name]) - before) / requests * 1e6 if pids[name] else 0
                rounds[name].append(figures)
    results = {name: {key: statistics.median(r[key] for r in runs_of) for key in runs_of[0]}
               for name, runs_of in rounds.items()}
    chp = "configurable-http-proxy"
    print(f"small GET, wrk -t1 -c{args.connections}, {args.rounds} rounds of {args.duration} s per path, "
          f"medians, on {os.cpu_count()} cores")
    print("cpu/req: CPU time the proxy process spent per request (robust when the machine is busy)")
    print(f"{'path':<28}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'vs CHP':>8}{'cpu/req us':>12}{'errors':>8}")
    for name, r in results.items():
        print(f"{name:<28}{r['rps']:>10.0f}{r['p50']:>9.2f}{r['p99']:>9.2f}{r['rps'] / results[chp]['rps']:>7.2f}x"
              f"{r['cpu_us']:>12.0f}{sum(x['errors'] for x in rounds[name]):>8}")
    for name in [n for n in ("labdeck", "labdeck, browser's cookie", "labdeck before") if n in rounds]:
        ratios = [mine["rps"] / theirs["rps"] for mine, theirs in zip(rounds[name], rounds[chp], strict=True)]
        print(f"{name} / CHP, round by round: {' '.join(f'{x:.2f}' for x in ratios)}; "
              f"CPU per request / CHP's: {results[name]['cpu_us'] / results[chp]['cpu_us']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
