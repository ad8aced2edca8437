"""The one page: GET <prefix>dashboard/."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import jinja2
from aiohttp import web

from labdeck import Deck

from .layout import build_layout

STATIC_DIR = Path(__file__).parent / "static"


@functools.cache
def _templates() -> jinja2.Environment:
    """Made with the first page. Compiling the template is most of that page's time (25 ms here,
    bench_start.py), so its bytecode is kept in Jinja's own per-user cache folder in the temp
    folder (which Jinja checks is ours alone) for the next start; without a usable one, no cache."""
    try:
        cache: jinja2.BytecodeCache | None = jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):
        cache = None
    return jinja2.Environment(loader=jinja2.PackageLoader("labdeck_dashboard", "templates"), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True, bytecode_cache=cache)


def _asset_version() -> str:
    """A digest of the static files: ``?v=`` changes whenever one of them does, so browsers
    never run a stale dashboard.js against a newer page."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


ASSET_VERSION = _asset_version()


async def dashboard(request: web.Request) -> web.Response:
    deck = Deck.of(request)
    layout = build_layout(deck)
    html = _templates().get_template("dashboard/index.html").render(
        layout=layout,
        config=layout.client_config(),
        static=deck.url("dashboard", "static/"),
        labdeck_js=deck.prefix + "-/static/labdeck.js",
        version=ASSET_VERSION,
    )
    return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})
