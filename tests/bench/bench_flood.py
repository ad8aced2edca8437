"""A flood in a browser terminal against xterm.js drawing the same bytes locally, in the same page.

`labdeck serve` with the terminal plugin; real headless Chromium (Debian's, as the tests use),
driven over its DevTools pipe with nothing but `Runtime` and `Input` (cdp_pipe.py says why not
Playwright), opens the terminal page signed in, and each round:

- **terminal**: types `seq 1 N; echo done-<round>` and times, in the page, from the Enter key's event to
  the render that puts `done` on the screen (the bytes go shell -> PTY -> terminal server ->
  labdeck's proxy -> WebSocket -> xterm.js, acknowledged as they are drawn);
- **echo**: right after that, types a few keys one by one and times each from its keydown event
  to the render that shows it on the cursor's line (what a user feels as typing lag);
- **local**: in the same page, a second xterm.js of the same size and options, laid over the first,
  is given the same bytes (`seq`'s lines with the PTY's `\\r\\n`, 64 KiB writes, made beforehand) and
  timed until its last write callback: the floor of this browser for those bytes.

Main-thread stalls are the longest "long task" the page reported during the flood
(PerformanceObserver). The CPU seconds each part of the pipeline spent during the flood (the page's
renderer, the rest of Chromium, labdeck, the terminal server, the shell and `seq`) show which of the
two cores was the bottleneck. Prints each round and the medians; targets (issue 18) ≤ 1.3x, no stall
over 200 ms, echo ≤ 100 ms. `--renderer dom|webgl` forces xterm.js's renderer (the page's
`?renderer=`; by default the page picks WebGL on a real GPU, the DOM renderer otherwise).
`--profile FILE` saves a CPU profile of the page during the first flood (open it in Chromium's
DevTools, Performance panel) and prints the functions with the most self time.

    python tests/bench/bench_flood.py [--lines 3000000] [--rounds 3] [--renderer webgl] [--profile flood.cpuprofile]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from cdp_pipe import PipeBrowser
from procs import cmdline, cpu_seconds, descendants

from labdeck_testing import CHROMIUM, CHROMIUM_ARGS, free_port

LOCAL = """async (lines) => {
  const host = document.createElement("div");
  const main = document.getElementById("terminal").getBoundingClientRect();
  Object.assign(host.style, {position: "fixed", left: main.left + "px", top: main.top + "px",
                             width: main.width + "px", height: main.height + "px", zIndex: 10});
  document.body.append(host);
  const term = new Terminal({fontSize: 14, scrollback: 10000,
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", "Cascadia Mono", Menlo, Consolas, monospace'});
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(host);
  if (document.body.dataset.renderer === "webgl") term.loadAddon(new WebglAddon.WebglAddon());
  fit.fit();
  const text = [];
  for (let i = 1; i <= lines; i++) text.push(i);
  const bytes = new TextEncoder().encode(text.join("\\r\\n") + "\\r\\ndone\\r\\n");
  const started = performance.now();
  await new Promise((resolve) => {
    for (let at = 0; at < bytes.length; at += 65536) {
      const last = at + 65536 >= bytes.length;
      term.write(bytes.subarray(at, at + 65536), last ? resolve : undefined);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  term.dispose();
  host.remove();
  return seconds;
}"""

STALLS = """() => {
  window.labdeckBench = {longest: 0};
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.labdeckBench.longest = Math.max(window.labdeckBench.longest,
                                                                                   entry.duration);
  }).observe({type: "longtask"});
}"""

# Arms a promise (window.labdeckBench.shown) for: the next keydown matching `key`, then the first
# render after it whose screen passes `test` (a line equal to `text`, or the cursor's line ending
# with it). Resolves to the milliseconds between the two. Armed before the key is pressed.
ARM = """([key, text, where]) => {
  const term = window.labdeckTerminal.term;
  const buffer = () => term.buffer.active;
  const line = (y) => buffer().getLine(y)?.translateToString(true) ?? "";
  const shown = where === "cursor"
    ? () => line(buffer().baseY + buffer().cursorY).endsWith(text)
    : () => { for (let y = 0; y < term.rows; y++) if (line(buffer().viewportY + y).trim() === text) return true; };
  window.labdeckBench.shown = new Promise((resolve) => {
    const pressed = (event) => {
      if (event.key !== key) return;
      document.removeEventListener("keydown", pressed, true);
      const rendered = term.onRender(() => {
        if (!shown()) return;
        rendered.dispose();
        resolve(performance.now() - event.timeStamp);
      });
    };
    document.addEventListener("keydown", pressed, true);
  });
}"""

ECHO_KEYS = "echo ok"


def start_labdeck(workdir: Path, cpus: set[int] | None = None) -> tuple[subprocess.Popen, str, str]:
    port, token = free_port(), secrets.token_urlsafe(12)
    env = {**os.environ, "LABDECK_PORT": str(port), "LABDECK_TOKEN": token, "LABDECK_RUNTIME_DIR": str(workdir),
           "LABDECK_PLUGINS": "terminal", "TERMINAL_HOME": str(workdir),
           "LABDECK_TERMINAL_PROFILE_DIRS": str(workdir / "none"), "LABDECK_LOG_LEVEL": "warning"}
    process = subprocess.Popen([sys.executable, "-m", "labdeck", "serve"], env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
    return process, f"http://127.0.0.1:{port}/", token


def kind(pid: int, web: int) -> str:
    """Which part of the pipeline a process is, for the CPU each spent during a flood."""
    argv = cmdline(pid)
    if pid == web:
        return "labdeck"
    if "labdeck_terminal.server" in argv:
        return "terminal server"
    if "chromium" not in argv:
        return "shell + seq"
    if "--type=renderer" in argv:
        return "page"
    return "browser" if "--type=" not in argv else "other Chromium"


def cpu_by_kind(roots: list[int], web: int) -> collections.Counter:
    """CPU seconds so far by kind; a shell counts the commands it waited for (seq)."""
    spent: collections.Counter = collections.Counter()
    for root in roots:
        for pid in descendants(root):
            spent[kind(pid, web)] += cpu_seconds(pid, reaped=True)
    return spent


def wait_listening(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(base + "-/health", timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def flood(page, lines: int, round_: int) -> tuple[float, float]:
    """One flood: seconds from Enter to `done-<round>` on the screen, and the longest task meanwhile (ms).
    The marker differs each round: the last round's, still on the screen until `clear` is drawn, must
    not count."""
    page.evaluate("window.labdeckBench.longest = 0")
    page.evaluate("window.labdeckTerminal.focus()")
    page.type("clear\n")
    page.type(f"seq 1 {lines}; echo do''ne-{round_}")
    page.call(ARM, ["Enter", f"done-{round_}", "screen"])
    page.press("Enter")
    seconds = page.evaluate("window.labdeckBench.shown") / 1000
    return seconds, page.evaluate("window.labdeckBench.longest")


def echoes(page) -> list[float]:
    """Milliseconds from each key of ECHO_KEYS to its echo on the screen, typed one at a time."""
    delays = []
    for at, key in enumerate(ECHO_KEYS):
        page.call(ARM, [key, ECHO_KEYS[:at + 1], "cursor"])
        page.press(key)
        delays.append(page.evaluate("window.labdeckBench.shown"))
    page.press("Enter")
    return delays


def top_self_time(profile: dict, count: int = 15) -> list[str]:
    """The functions with the most self time in a CDP CPU profile, as printable lines."""
    frames = {node["id"]: node["callFrame"] for node in profile["nodes"]}
    spent: collections.Counter = collections.Counter()
    for sample, delta in zip(profile["samples"], [*profile["timeDeltas"][1:], 0], strict=True):
        frame = frames[sample]
        spent[f"{frame['functionName'] or '(anonymous)'} {frame['url'].rsplit('/', 1)[-1]}".strip()] += delta
    total = sum(spent.values()) or 1
    return [f"{us / 1000:8.0f} ms {100 * us / total:5.1f}%  {name}" for name, us in spent.most_common(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=3_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--renderer", choices=["dom", "webgl"],
                        help="force xterm.js's renderer (default: the page's choice)")
    parser.add_argument("--profile", type=Path, help="save a CPU profile of the first flood here")
    parser.add_argument("--split-cpus", action="store_true",
                        help="the browser on the last CPU, labdeck, its terminal server and the shell on the "
                             "others: the attendee's browser on a machine of its own, as in a workshop")
    args = parser.parse_args()
    server_cpus = browser_cpus = None
    if args.split_cpus:
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) < 2:
            parser.error("--split-cpus needs at least 2 CPUs")
        server_cpus, browser_cpus = set(cpus[:-1]), {cpus[-1]}

    rows = []
    query = f"?renderer={args.renderer}" if args.renderer else ""
    with tempfile.TemporaryDirectory(prefix="bench-flood-") as tmp:
        process, base, token = start_labdeck(Path(tmp), server_cpus)
        browser = PipeBrowser(CHROMIUM, CHROMIUM_ARGS, str(Path(tmp) / "chromium"), cpus=browser_cpus)
        try:
            page = browser.new_page()
            wait_listening(base)
            page.goto(f"{base}?token={token}")
            page.wait_for("location.pathname.includes('/terminal/')")
            if query:  # / redirected to the session's page: open it again with the renderer asked for
                page.goto(page.evaluate("location.origin + location.pathname") + query)
            page.wait_for("window.labdeckTerminal && window.labdeckTerminal.state === 'connected'")
            if args.renderer == "webgl":  # the page loads the addon after connecting
                page.wait_for("document.body.dataset.renderer === 'webgl'")
            renderer = page.evaluate("document.body.dataset.renderer || 'dom'")
            page.call(STALLS)
            roots = [process.pid, browser.process.pid]
            for round_ in range(args.rounds):
                if args.profile and round_ == 0:
                    page.send("Profiler.enable")
                    page.send("Profiler.start")
                before = cpu_by_kind(roots, process.pid)
                terminal, stall = flood(page, args.lines, round_)
                spent = cpu_by_kind(roots, process.pid)
                spent.subtract(before)
                print("CPU seconds during the flood: " + ", ".join(f"{what} {seconds:.2f}" for what, seconds
                                                                  in spent.most_common() if seconds >= 0.01),
                      file=sys.stderr)
                if args.profile and round_ == 0:
                    profile = page.send("Profiler.stop")["profile"]
                    args.profile.write_text(json.dumps(profile))
                    print(f"CPU profile of the first flood: {args.profile}", *top_self_time(profile),
                          sep="\n", file=sys.stderr)
                echo = echoes(page)
                local = page.call(LOCAL, args.lines)
                rows.append((terminal, local, terminal / local, stall, max(echo)))
                print(f"round: terminal {terminal:.2f} s, local xterm.js {local:.2f} s "
                      f"({terminal / local:.2f}x), longest main-thread task {stall:.0f} ms, "
                      f"echo after it {', '.join(f'{ms:.0f}' for ms in echo)} ms (load {os.getloadavg()[0]:.1f})",
                      file=sys.stderr)
        finally:
            browser.close()
            process.send_signal(signal.SIGTERM)
            process.wait(10)
    load = os.getloadavg()[0]
    where = ", browser on a CPU of its own" if args.split_cpus else ""
    print(f"| `seq 1 {args.lines}`, {renderer} renderer{where}, {args.rounds} rounds (load {load:.1f}) "
          "| median | target |\n| --- | ---: | --- |")
    print(f"| browser terminal to `done` | {statistics.median(r[0] for r in rows):.2f} s | |")
    print(f"| xterm.js alone, same bytes, same page | {statistics.median(r[1] for r in rows):.2f} s | |")
    print(f"| ratio | {statistics.median(r[2] for r in rows):.2f}x | ≤ 1.3x |")
    print(f"| longest main-thread task | {max(r[3] for r in rows):.0f} ms (max) | ≤ 200 ms |")
    print(f"| keystroke echo right after | {max(r[4] for r in rows):.0f} ms (max) | ≤ 100 ms |")


if __name__ == "__main__":
    main()
