"""labdeck-terminal's hooks (the plugin that ``labdeck serve`` loads)."""

from __future__ import annotations

from labdeck import hookimpl

from . import backends
from .config import SETTINGS


@hookimpl
def register_settings():
    return SETTINGS


@hookimpl
def supervisor_programs(deck):
    return [backends.program(deck)]


@hookimpl
def register_proxies(deck):
    return [backends.proxy(deck)]


@hookimpl(trylast=True)  # landing-page order: dashboard (tryfirst), notes, terminal (trylast)
def default_page(deck):
    return "terminal/session/1"


@hookimpl(optionalhook=True)  # the notes plugin's hook: no error when it is not installed
def workshop_variables(deck, request):
    return {"terminal_url": deck.url("terminal").rstrip("/")}

