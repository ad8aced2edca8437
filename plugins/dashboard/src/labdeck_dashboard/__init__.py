"""labdeck-dashboard: the workshop notes beside terminals and other tools in one browser tab.

Every way this plugin plugs into labdeck is on this screen. The page itself is
views.py + page.py (the HTML, from layout.py's Layout); the browser side (split panes, tabs,
the action bus) is static/dashboard.js. Other plugins add tabs through the
``dashboard_tabs`` hook (hookspecs.py), returning ``Tab``s.
"""

from __future__ import annotations

from aiohttp import web

from labdeck import Setting, hookimpl

from . import hookspecs
from .layout import Tab, parse_tabs
from .views import STATIC_DIR, dashboard

__all__ = ["Tab"]


@hookimpl
def register_settings() -> list[Setting]:
    return [
        Setting("terminal_tab", env="TERMINAL_TAB", flag="--terminal-tab", choices=("split", "split/2"),
                help="terminals in the Terminal tab: unset = one, split = two (60/40), split/2 = three (50/25/25)"),
        Setting("tabs", env="LABDECK_DASHBOARD_TABS", type=parse_tabs, default=(),
                help="extra dashboard tabs, comma-separated Name=URL (URL absolute or relative to the prefix)"),
        Setting("restart_url", env="RESTART_URL", flag="--restart-url",
                help="URL the dashboard menu's Restart item leads to (no Restart item when unset)"),
    ]


@hookimpl
def register_hookspecs():
    return hookspecs


@hookimpl
def register_routes(deck) -> list[web.AbstractRouteDef]:
    return [web.get("/", dashboard), web.static("/static", STATIC_DIR)]


@hookimpl(tryfirst=True)  # landing-page order: dashboard (tryfirst), notes, terminal (trylast)
def default_page(deck) -> str:
    return "dashboard/"
