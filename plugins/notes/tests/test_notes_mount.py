"""The notes' code is made after the start (mount.py): the routes are there from the start, the
views and the rest arrive with the first request under notes/ or soon after the start."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
LOADED = 'sorted(m for m in ("labdeck_notes.views", "jinja2") if m in sys.modules)'


def run_notes(steps: str) -> list[str]:
    """Lines printed by ``steps`` run with ``client`` (the notes of examples/workshop) in a fresh
    interpreter: which modules a start has loaded is a fact about a whole process."""
    script = textwrap.dedent(f"""
        import asyncio, sys
        from pathlib import Path
        from aiohttp.test_utils import TestClient, TestServer
        import labdeck_notes
        from labdeck_notes import mount
        from labdeck_testing import make_app

        async def main():
            app = make_app({{"notes": labdeck_notes}}, content=Path({str(EXAMPLES / "workshop")!r}), auth="none",
                           notes_setup_scripts=False)
            async with TestClient(TestServer(app)) as client:
        """) + textwrap.indent(textwrap.dedent(steps), " " * 8) + "\nasyncio.run(main())\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_a_start_loads_neither_the_views_nor_jinja_until_a_notes_request():
    assert run_notes(f"""
        print({LOADED})
        response = await client.get("/notes/")
        print(response.status, {LOADED})
        """) == ["[]", "200 ['jinja2', 'labdeck_notes.views']"]


def test_without_a_request_the_notes_are_made_soon_after_the_start():
    assert run_notes(f"""
        print({LOADED})
        for _ in range(200):  # no request meanwhile: made BUILD_AFTER s after the start, however slow the machine
            if "labdeck_notes.views" in sys.modules:
                break
            await asyncio.sleep(mount.BUILD_AFTER / 10)
        print("labdeck_notes.views" in sys.modules)
        print((await client.get("/notes/-/help")).status)
        """) == ["[]", "True", "200"]


def test_every_route_names_a_handler_and_every_handler_has_a_route(tmp_path):
    import labdeck_notes
    from labdeck_notes.mount import ROUTES
    from labdeck_notes.parts import NotesParts
    from labdeck_testing import make_deck

    deck = make_deck({"notes": labdeck_notes}, content=EXAMPLES / "workshop", runtime_dir=tmp_path)
    assert sorted(name for *_, name in ROUTES) == sorted(NotesParts(deck).handlers)
