"""Figures for the images: sizes, start-to-healthy time, idle memory of the running
dashboard image, and how long the web process is away after ``kill -9``.

Run as root with buildah and debootstrap installed (see tests/images/conftest.py, whose
helpers and image cache this reuses; the images are built there if they are missing):

    python tests/bench/bench_images.py [--runs 3] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import signal
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
HEADING = "## Images (bench_images.py)"


def load_helpers():
    spec = importlib.util.spec_from_file_location("labdeck_images_helpers", REPO / "tests" / "images" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def pss_kib(pid: int) -> int:
    """Proportional set size: shared pages divided among their users, so a sum is honest."""
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return int(re.search(r"^Pss:\s+(\d+) kB", text, re.M).group(1))


def rss_kib(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", text, re.M).group(1))


def processes_of(uid: int) -> list[tuple[int, str]]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            comm = (proc / "comm").read_text().strip() if proc.name.isdigit() else ""
            # buildah's own chroot helper runs as the user too; it is not part of the image
            if comm and proc.stat().st_uid == uid and "buildah" not in comm:
                found.append((int(proc.name), comm))
        except OSError:
            continue
    return found


def image_size_mb(buildah, image: str) -> float:
    out = buildah("images", "--format", "{{.Size}}", image)
    number, unit = re.match(r"([\d.]+)\s*([kMG]?B)", out).groups()
    return float(number) * {"kB": 1e-3, "B": 1e-6, "MB": 1, "GB": 1e3}[unit]


def one_run(helpers, buildah, image: str, workdir: Path, index: int) -> dict:
    name = f"labdeck-bench-{os.getpid()}-{index}"
    buildah("from", "--name", name, image)
    container = helpers.Container(buildah, name, Path(buildah("mount", name)), log_dir=workdir)
    auth = ("bench", "bench-pw")
    try:
        started = time.monotonic()
        container.start({"AUTH_USERNAME": "bench", "AUTH_PASSWORD": "bench-pw"})
        healthy = time.monotonic() - started
        for session in ("1", "2"):
            helpers.terminal_session(container.url, session, auth=auth, typed="echo ready-$((1+1))\r",
                                     expect="ready-2")
        time.sleep(5)
        uid = int(helpers.ARBITRARY_USER.split(":")[0])
        procs = processes_of(uid)
        pss = sum(pss_kib(pid) for pid, _ in procs) / 1024
        rss = sum(rss_kib(pid) for pid, _ in procs) / 1024
        web = int(container.ctl("pid", "labdeck"))
        killed = time.monotonic()
        os.kill(web, signal.SIGKILL)
        time.sleep(0.05)
        helpers.wait_until(container.healthy, 30)  # the killed process cannot answer: this is the new one
        back = time.monotonic() - killed
        assert container.ctl("pid", "labdeck") != str(web)
        return {"healthy": healthy, "pss": pss, "rss": rss, "procs": len(procs), "back": back,
                "names": sorted({comm for _, comm in procs})}
    finally:
        container.stop()
        buildah("umount", name, check=False)
        buildah("rm", name, check=False)


def write_section(path: Path, text: str) -> None:
    text = text.rstrip("\n") + "\n\n"
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(text, old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + text
    path.write_text(new.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", type=Path, help="put the section into this Markdown file")
    args = parser.parse_args()
    helpers = load_helpers()
    buildah = helpers.Buildah(helpers.CACHE)
    if not buildah.has_image(helpers.BASE):
        raise SystemExit("run the image tests first (pytest tests/images): they build the images")
    buildah.bud("images/terminal/Containerfile", helpers.TERMINAL,
                {"BASE_IMAGE": helpers.BASE, "INSTALL_NODEJS": "true", "INSTALL_JAVA": "false"})
    buildah.bud("images/dashboard/Containerfile", helpers.DASHBOARD, {"TERMINAL_IMAGE": helpers.TERMINAL})
    sizes = {image: image_size_mb(buildah, image) for image in (helpers.TERMINAL, helpers.DASHBOARD)}
    workdir = Path(os.environ.get("TMPDIR", "/tmp"))
    runs = [one_run(helpers, buildah, helpers.DASHBOARD, workdir, i) for i in range(args.runs)]
    med = {key: statistics.median(r[key] for r in runs) for key in ("healthy", "pss", "rss", "back")}
    spread = {key: f"{min(r[key] for r in runs):.1f} to {max(r[key] for r in runs):.1f}" for key in ("healthy", "back")}
    text = f"""{HEADING}

Measured {time.strftime('%Y-%m-%d')} on the shared 2-core build machine (other jobs running), images
built from the local debootstrap Debian bookworm base with `INSTALL_NODEJS=true INSTALL_JAVA=false`
(the tests' variant), run with `buildah run --isolation chroot` as UID 1000321, Basic auth.
Medians of {args.runs} starts.

| figure | value |
| --- | --- |
| terminal image size | {sizes[helpers.TERMINAL]:.0f} MB |
| dashboard image size | {sizes[helpers.DASHBOARD]:.0f} MB |
| container start (the run script) to `/-/health` answering | {med['healthy']:.1f} s ({spread['healthy']}) |
| idle memory, whole container, 2 terminal sessions open: PSS (shared pages split) | {med['pss']:.0f} MiB |
| the same as plain RSS summed over processes (counts shared pages again each time) | {med['rss']:.0f} MiB |
| processes | {runs[0]['procs']} ({', '.join(runs[0]['names'])}) |
| `kill -9` of the web process to `/-/health` answering again | {med['back']:.1f} s ({spread['back']}) |

"""
    print(text)
    if args.write:
        write_section(args.write, text)


if __name__ == "__main__":
    main()
