"""Progress benchmark: what keeping an attendee's progress adds to a notes page view.

A page of the sequence records the visit (``ProgressStore.visit``: one SQLite transaction in WAL
mode, in the notes plugin's thread). Target (issue 16): the write path adds no more than 1 ms to
a page view.

    python tests/bench/bench_progress.py

Measured in an in-process labdeck with the notes plugin, around ``Views.show_page`` (warm pages,
from the cache), alternating rounds with the real store and with ``visit`` replaced by nothing;
the store's file on the same disk as the tests' temporary folder. Also ``visit`` alone, and the
``GET notes/-/progress`` snapshot of an attendee with every page visited.
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
from labdeck_notes.progress import ProgressStore
from labdeck_testing import make_app

PAGES = 12
ROUNDS = 400
TARGET = 0.001

durations: list[float] = []
_original = views.Views.show_page


async def timed_show_page(self, request, workshop, page):
    started = time.perf_counter()
    try:
        return await _original(self, request, workshop, page)
    finally:
        durations.append(time.perf_counter() - started)


views.Views.show_page = timed_show_page


def workshop(folder: Path) -> Path:
    content = folder / "workshop"
    content.mkdir()
    for number in range(1, PAGES + 1):
        (content / f"{number:02d}-step.md").write_text(f"# Step {number}\n\n```execute\necho {number}\n```\n")
    return content


async def page_views(folder: Path) -> tuple[list[float], list[float], float]:
    app = make_app({"notes": labdeck_notes}, content=workshop(folder), auth="none",
                   notes_progress_file=folder / "progress.sqlite")
    client = TestClient(TestServer(app))
    await client.start_server()
    real_visit = ProgressStore.visit
    with_store, without = [], []
    try:
        for number in range(1, PAGES + 1):  # warm every page's cache
            assert (await client.get(f"/notes/{number:02d}-step")).status == 200
        for round_number in range(ROUNDS):
            for keep, into in ((True, with_store), (False, without)):
                ProgressStore.visit = real_visit if keep else (lambda self, user, page: None)
                durations.clear()
                response = await client.get(f"/notes/{round_number % PAGES + 1:02d}-step")
                assert response.status == 200
                into.append(durations[-1])
        ProgressStore.visit = real_visit
        started = time.perf_counter()
        for _ in range(50):
            assert (await client.get("/notes/-/progress")).status == 200
        snapshot = (time.perf_counter() - started) / 50
    finally:
        ProgressStore.visit = real_visit
        await client.close()
    return with_store, without, snapshot


def visits_alone(folder: Path) -> list[float]:
    store = ProgressStore(folder / "alone.sqlite")
    times = []
    for round_number in range(ROUNDS):
        started = time.perf_counter()
        store.visit("alice", f"page-{round_number % PAGES}")
        times.append(time.perf_counter() - started)
    store.close()
    return times


def ms(value: float) -> str:
    return f"{value * 1000:.2f} ms"


def p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95)]


def main() -> int:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        with_store, without, snapshot = asyncio.run(page_views(folder))
        alone = visits_alone(folder)
    added = statistics.median(with_store) - statistics.median(without)
    print(f"page view, median: {ms(statistics.median(without))} without progress, "
          f"{ms(statistics.median(with_store))} with it: +{ms(added)} (target ≤ {ms(TARGET)})")
    print(f"page view, p95: {ms(p95(without))} without, {ms(p95(with_store))} with")
    print(f"ProgressStore.visit alone: median {ms(statistics.median(alone))}, p95 {ms(p95(alone))}")
    print(f"GET notes/-/progress ({PAGES} pages visited): {ms(snapshot)} a request")
    return 0 if added <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
