"""Notes rendering benchmark: server time per page, cold and warm, of the project's example
workshops (examples/) and, when it is there, of every workshop of the corpus; start time of a
generated 1,000-page workshop.

Cold: the first request for a page, the render worker already started (it loaded the workshop;
for a workshop with AsciiDoc pages, node has had STARTUP_GRACE seconds since labdeck's start);
the page is rendered by the worker. Warm: the same page again, from the cache. Targets (issue
14): cold < 300 ms and warm < 2 ms for every page.

    python tests/bench/bench_notes.py        # LABDECK_CORPUS=/path/to/shared/corpus adds the corpus

Server time is the notes page handler's own time (variables, cache, template), measured
around ``Views.show_page`` inside an in-process labdeck; HTTP parsing is not included.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

import labdeck_notes
from labdeck_notes import views
from labdeck_notes.asciidoctor_client import has_asciidoc
from labdeck_notes.workshop import load_workshop
from labdeck_testing import corpus_folder, make_app

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
CORPUS = corpus_folder(REPO)
WARM_ROUNDS = 50
COLD_TARGET, WARM_TARGET = 0.300, 0.002
STARTUP_GRACE = 2.0  #: seconds between labdeck's start and the first AsciiDoc page

durations: list[float] = []
_original = views.Views.show_page


async def timed_show_page(self, request, workshop, page):
    started = time.perf_counter()
    try:
        return await _original(self, request, workshop, page)
    finally:
        durations.append(time.perf_counter() - started)


views.Views.show_page = timed_show_page


async def client_for(content: Path) -> TestClient:
    app = make_app({"notes": labdeck_notes}, content=content, auth="none")
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


def workshops() -> list[Path]:
    """Every example workshop, then the corpus's when it is there (said on stderr when it is not)."""
    found = sorted(path for path in EXAMPLES.iterdir() if path.is_dir())
    if CORPUS.is_dir():
        found += sorted(path for path in CORPUS.iterdir() if path.is_dir())
    else:
        print(f"corpus: not measured, no workshop corpus at {CORPUS} (set LABDECK_CORPUS)", file=sys.stderr)
    return found


async def pages(folders: list[Path]) -> list[tuple[str, float, float]]:
    rows = []
    for folder in folders:
        name = f"{folder.parent.name}/{folder.name}"
        workshop = load_workshop(folder)
        client = await client_for(folder)
        try:
            # the overview starts the render worker and has it load the workshop; a workshop with
            # AsciiDoc pages has it started at labdeck's start (views.py), and node with it:
            # give node the moment it has before an attendee's first click
            assert (await client.get("/notes/-/overview")).status == 200
            if has_asciidoc(folder):
                await asyncio.sleep(STARTUP_GRACE)
            for page_id in workshop.pages:
                durations.clear()
                assert (await client.get(f"/notes/{page_id}")).status == 200
                cold = durations[-1]
                durations.clear()
                for _ in range(WARM_ROUNDS):
                    await client.get(f"/notes/{page_id}")
                rows.append((f"{name}/{page_id}", cold, statistics.median(durations)))
        finally:
            await client.close()
    return rows


def generate(root: Path, pages: int) -> None:
    content = root / "workshop" / "content"
    lines = ["modules:"]
    activate = []
    for i in range(pages):
        folder = content / f"part-{i // 100:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        page_id = f"part-{i // 100:02d}/{i:04d}-step"
        (content / f"{page_id}.md").write_text(
            f"Step {i} of the generated workshop, user %username%.\n\n```execute\necho step {i}\n```\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |\n")
        lines += [f"    {page_id}:", f"        name: Step {i}"]
        activate.append(f"    - {page_id}")
    (root / "workshop" / "modules.yaml").write_text("\n".join(lines) + "\n")
    (root / "workshop" / "workshop.yaml").write_text("name: Generated\nmodules:\n    activate:\n"
                                                     + "\n".join(activate) + "\n")


async def big_workshop(pages: int = 1000) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        generate(root, pages)
        started = time.perf_counter()
        workshop = load_workshop(root)
        loaded = time.perf_counter() - started
        assert len(workshop.sequence) == pages
        client = await client_for(root)
        try:
            started = time.perf_counter()
            response = await client.get("/notes/part-05/0500-step")
            first_page = time.perf_counter() - started
            assert response.status == 200 and "page 501 of 1000" in await response.text()
        finally:
            await client.close()
    return loaded, first_page


def main() -> int:
    rows = asyncio.run(pages(workshops()))
    cold = [row[1] * 1000 for row in rows]
    warm = [row[2] * 1000 for row in rows]
    print(f"{'page':<60} {'cold ms':>8} {'warm ms':>8}")
    for name, c, w in rows:
        print(f"{name:<60} {c * 1000:8.2f} {w * 1000:8.3f}")
    print(f"\n{len(rows)} pages: cold median {statistics.median(cold):.2f} ms, max {max(cold):.2f} ms; "
          f"warm median {statistics.median(warm):.3f} ms, max {max(warm):.3f} ms")
    for what, figures, target in (("cold", cold, COLD_TARGET), ("warm", warm, WARM_TARGET)):
        over = [row[0] for row, ms in zip(rows, figures, strict=True) if ms > target * 1000]
        print(f"{what} target {target * 1000:g} ms: " + (f"{len(over)} page(s) over: {', '.join(over)}"
                                                         if over else "every page within"))
    loaded, first = asyncio.run(big_workshop())
    print(f"1,000-page workshop: loaded in {loaded * 1000:.0f} ms; first page request (load + render) "
          f"{first * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
