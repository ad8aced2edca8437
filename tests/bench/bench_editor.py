"""Memory cost of the Editor tab for one attendee, browser side and labdeck side.

One run, one machine, real Chromium (Debian's, as the tests use) and a real ``labdeck serve``
with the dashboard, notes, terminal and editor plugins:

- browser: PSS of every Chromium process (the renderer that holds the dashboard and its
  same-origin frames, the browser and GPU/utility processes) with the dashboard open on its
  Terminal tab, then after opening the Editor tab, opening a 400-line Java file and a YAML
  file and running two actions on them. The difference is what the Editor tab costs the
  attendee's browser. Garbage is collected (CDP) before each reading.
- labdeck: RSS of the ``labdeck serve`` process with the editor plugin and without it, both
  after serving the dashboard and (with it) the editor's requests; the difference is what the
  plugin costs the server, per attendee (one labdeck per attendee).

Median of ``--rounds`` fresh browsers (and servers). code-server is not installable here (it
is not in the registries this machine reaches); docs/benchmarks.md states its documented
footprint beside these figures.

    python tests/bench/bench_editor.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from labdeck_testing import CHROMIUM, CHROMIUM_ARGS, start_server

JAVA = "".join(f"    // line {n}\n    public int method{n}() {{ return {n}; }}\n" for n in range(200))


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def chromium_pss_kib() -> dict[str, int]:
    """PSS of this process's Chromium descendants: renderers, and all together."""
    total = renderers = 0
    for pid in _descendants(os.getpid()):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "chromium" not in command and "chrome" not in command:
            continue
        pss = _kib(pid, "Pss")
        total += pss
        if "--type=renderer" in command:
            renderers += pss
    return {"renderers": renderers, "all": total}


def settle(page) -> None:
    page.wait_for_timeout(1500)
    for frame in [page.main_frame, *page.main_frame.child_frames]:
        if frame.url.startswith("http"):
            frame.evaluate("() => new Promise((done) => requestAnimationFrame(() => done()))")
    session = page.context.new_cdp_session(page)
    session.send("HeapProfiler.collectGarbage")
    session.detach()
    page.wait_for_timeout(500)


def one_round(folder: Path, with_editor: bool) -> dict[str, int]:
    home, workshop = folder / "home", folder / "workshop"
    plugins = "dashboard,notes,terminal" + (",editor" if with_editor else "")
    env = {"LABDECK_RUNTIME_DIR": str(folder), "URI_ROOT_PATH": "/user/alice/", "HOME": str(home),
           "TERMINAL_HOME": str(home), "LABDECK_EDITOR_ROOT": str(home), "WORKSHOP_DIR": str(workshop),
           "LABDECK_PLUGINS": plugins, "LABDECK_TERMINAL_PROFILE_DIRS": str(folder / "profile.d")}
    server = start_server(env)
    result: dict[str, int] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{server.url}?token={server.token}")
            page.wait_for_url(server.url + "dashboard/")
            page.frame_locator("iframe.ld-terminal").locator(".xterm-rows").wait_for()
            settle(page)
            before = chromium_pss_kib()
            if with_editor:
                page.get_by_role("tab", name="Editor").click()
                for action, args in (
                    ("editor:open-file", {"file": "~/src/Demo.java", "line": 300}),
                    ("editor:select-matching-text", {"file": "~/src/Demo.java", "text": "method150"}),
                    ("editor:set-yaml-value", {"file": "~/deploy.yaml", "path": "spec.replicas", "value": 3}),
                ):
                    page.evaluate("([a, b]) => window.postMessage({labdeck: 1, action: a, args: b}, location.origin)",
                                  [action, args])
                frame = page.locator("iframe[title=Editor]").element_handle().content_frame()
                frame.wait_for_function("() => window.labdeckEditor")
                frame.evaluate("() => window.labdeckEditor.idle()")
                assert "replicas: 3" in (home / "deploy.yaml").read_text()
                settle(page)
            after = chromium_pss_kib()
            result = {"renderers": after["renderers"] - before["renderers"], "browser": after["all"] - before["all"],
                      "renderers_total": after["renderers"], "server_rss": _kib(server.process.pid, "Rss")}
            browser.close()
    finally:
        server.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ldb-"))
    try:
        (folder / "home" / "src").mkdir(parents=True)
        (folder / "home" / "src" / "Demo.java").write_text(f"public class Demo {{\n{JAVA}}}\n")
        (folder / "home" / "deploy.yaml").write_text("kind: Deployment\nspec:\n  replicas: 1  # one\n")
        (folder / "workshop").mkdir()
        (folder / "workshop" / "01-page.md").write_text("# A page\n\nText.\n")
        rows = {True: [], False: []}
        for _ in range(options.rounds):
            for with_editor in (False, True):
                (folder / "home" / "deploy.yaml").write_text("kind: Deployment\nspec:\n  replicas: 1  # one\n")
                rows[with_editor].append(one_round(folder, with_editor))
                time.sleep(1)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    def median(with_editor: bool, key: str) -> float:
        return statistics.median(row[key] for row in rows[with_editor]) / 1024

    print(f"Editor tab, median of {options.rounds} fresh browsers (MiB, PSS):")
    print(f"  renderer processes: +{median(True, 'renderers'):.1f}  (without the tab, same steps: "
          f"{median(False, 'renderers'):+.1f}); renderers in all with the editor open: "
          f"{median(True, 'renderers_total'):.1f}")
    print(f"  all Chromium processes: +{median(True, 'browser'):.1f}  (without: {median(False, 'browser'):+.1f})")
    print(f"labdeck serve RSS (MiB): with the editor plugin {median(True, 'server_rss'):.1f}, "
          f"without {median(False, 'server_rss'):.1f}: +{median(True, 'server_rss') - median(False, 'server_rss'):.1f}")


if __name__ == "__main__":
    main()
