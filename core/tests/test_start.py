"""What a start does before its first answer: nothing heavy on ``import labdeck``, and the
garbage collector paused while the start's long-lived objects are made, running again (with
those objects frozen) once labdeck is up (``__main__.py``, ``server.py``, docs/benchmarks.md)."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys

import aiohttp

from labdeck import hookimpl, server
from labdeck.app import create_app
from labdeck.cli import main
from labdeck.plugins import make_plugin_manager
from labdeck.specs import Command
from labdeck_testing import free_port, make_settings


def test_importing_labdeck_loads_neither_aiohttp_nor_pluggy():
    code = "import sys, labdeck; print(sorted({m.split('.')[0] for m in sys.modules} & {'aiohttp', 'pluggy'}))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_every_public_name_is_there_and_the_api_module_has_no_other():
    import labdeck
    from labdeck import api

    assert {name for name in vars(api) if not name.startswith("_")} == set(labdeck.__all__) - {"__version__"}
    assert all(getattr(labdeck, name) is not None for name in labdeck.__all__)


async def test_collections_resume_once_labdeck_is_up_and_the_start_is_frozen(monkeypatch):
    monkeypatch.setattr(server, "SETTLE_SECONDS", 0.05)
    pm = make_plugin_manager(discover=False, environ={})
    port = free_port()
    settings = make_settings(pm, {}, port=port)
    gc.disable()  # as __main__.py does
    try:
        running = asyncio.create_task(server.run_app(create_app(settings, pm), settings.core))
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/-/health") as response:
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.02)
            assert response.status == 200
        for _ in range(100):
            if gc.isenabled():
                break
            await asyncio.sleep(0.02)
        assert gc.isenabled() and gc.get_freeze_count() > 0
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    finally:
        gc.unfreeze()
        gc.enable()


class LongCommand:
    @hookimpl
    def register_commands(self):
        return [Command(name="long", help="runs for long", run=lambda args: 0 if gc.isenabled() else 3)]


def test_a_plugin_command_runs_with_collections_on(monkeypatch):
    import labdeck.cli

    monkeypatch.setattr(labdeck.cli, "make_plugin_manager",
                        lambda **kwargs: make_plugin_manager(discover=False, extra={"long": LongCommand()}, **kwargs))
    gc.disable()  # as __main__.py does
    try:
        assert main(["long"], {}) == 0
    finally:
        gc.enable()
