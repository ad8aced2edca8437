"""The one page: GET <prefix>dashboard/."""

from __future__ import annotations

import hashlib
from pathlib import Path

from aiohttp import web

from labdeck import Deck

from .layout import build_layout
from .page import render_page

STATIC_DIR = Path(__file__).parent / "static"


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
    html = render_page(build_layout(deck), static=deck.url("dashboard", "static/"),
                       labdeck_js=deck.prefix + "-/static/labdeck.js", version=ASSET_VERSION)
    return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})
