"""The one page: GET <prefix>dashboard/."""

from __future__ import annotations

from pathlib import Path

import jinja2
from aiohttp import web

from labdeck import __version__ as core_version
from labdeck import settings_of
from labdeck.keys import PLUGIN_MANAGER

from .layout import build_layout

STATIC_DIR = Path(__file__).parent / "static"

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("labdeck_dashboard", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _asset_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("labdeck-dashboard")
    except PackageNotFoundError:
        return core_version


ASSET_VERSION = _asset_version()


async def dashboard(request: web.Request) -> web.Response:
    settings = settings_of(request)
    layout = build_layout(settings, request.config_dict[PLUGIN_MANAGER])
    html = _templates.get_template("dashboard/index.html").render(
        layout=layout,
        config=layout.client_config(),
        static=f"{settings.prefix}dashboard/static/",
        version=ASSET_VERSION,
    )
    return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})
