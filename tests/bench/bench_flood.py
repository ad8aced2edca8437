"""A flood in a browser terminal against xterm.js drawing the same bytes locally, in the same page.

`labdeck serve` with the terminal plugin; real headless Chromium (Debian's, as the tests use)
opens the terminal page signed in, and each round:

- **terminal**: types `seq 1 N; echo done` and times until `done` is on the screen (the bytes go
  shell -> PTY -> terminal server -> labdeck's proxy -> WebSocket -> xterm.js, acknowledged as they
  are drawn);
- **local**: in the same page, a second xterm.js of the same size and options, laid over the first,
  is given the same bytes (`seq`'s lines with the PTY's `\\r\\n`, 64 KiB writes, made beforehand) and
  timed until its last write callback: the floor of this browser for those bytes.

Main-thread stalls are the longest "long task" the page reported during the flood
(PerformanceObserver). Prints each round and the median ratio; target (issue 18) ≤ 1.3x, no stall
over 200 ms.

    python tests/bench/bench_flood.py [--lines 3000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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

HAS_DONE = "() => document.querySelector('.xterm-rows').innerText.split('\\n').some(l => l.trim() === 'done')"


def start_labdeck(workdir: Path) -> tuple[subprocess.Popen, str, str]:
    port, token = free_port(), secrets.token_urlsafe(12)
    env = {**os.environ, "LABDECK_PORT": str(port), "LABDECK_TOKEN": token, "LABDECK_RUNTIME_DIR": str(workdir),
           "LABDECK_PLUGINS": "terminal", "TERMINAL_HOME": str(workdir),
           "LABDECK_TERMINAL_PROFILE_DIRS": str(workdir / "none"), "LABDECK_LOG_LEVEL": "warning"}
    process = subprocess.Popen([sys.executable, "-m", "labdeck", "serve"], env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, f"http://127.0.0.1:{port}/", token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=3_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-flood-") as tmp, sync_playwright() as playwright:
        process, base, token = start_labdeck(Path(tmp))
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            deadline = time.monotonic() + 60
            while True:
                try:
                    page.goto(f"{base}?token={token}")
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            page.wait_for_function("() => window.labdeckTerminal && window.labdeckTerminal.state === 'connected'")
            page.evaluate(STALLS)
            for _ in range(args.rounds):
                page.evaluate("() => { window.labdeckBench.longest = 0; }")
                page.evaluate("window.labdeckTerminal.focus()")
                page.keyboard.type("clear\n")
                page.keyboard.type(f"seq 1 {args.lines}; echo do''ne\n")
                started = time.monotonic()
                page.wait_for_function(HAS_DONE, polling=50, timeout=300_000)
                terminal = time.monotonic() - started
                stall = page.evaluate("() => window.labdeckBench.longest")
                local = page.evaluate(LOCAL, args.lines)
                rows.append((terminal, local, terminal / local, stall))
                print(f"round: terminal {terminal:.2f} s, local xterm.js {local:.2f} s "
                      f"({terminal / local:.2f}x), longest main-thread task {stall:.0f} ms",
                      file=sys.stderr)
        finally:
            browser.close()
            process.send_signal(signal.SIGTERM)
            process.wait(10)
    load = os.getloadavg()[0]
    print(f"| `seq 1 {args.lines}`, {args.rounds} rounds (load {load:.1f}) | median | target |\n| --- | ---: | --- |")
    print(f"| browser terminal to `done` | {statistics.median(r[0] for r in rows):.2f} s | |")
    print(f"| xterm.js alone, same bytes, same page | {statistics.median(r[1] for r in rows):.2f} s | |")
    print(f"| ratio | {statistics.median(r[2] for r in rows):.2f}x | ≤ 1.3x |")
    print(f"| longest main-thread task | {max(r[3] for r in rows):.0f} ms (max) | ≤ 200 ms |")


if __name__ == "__main__":
    main()
