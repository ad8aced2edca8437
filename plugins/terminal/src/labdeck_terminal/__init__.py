"""labdeck-terminal: in-browser terminals whose shells live in a server of their own.

Everything under ``<prefix>terminal/`` is proxied to that server (our own PTY server,
or Butterfly with ``TERMINAL_BACKEND=butterfly``); see docs/terminal.md.
"""

from __future__ import annotations

from labdeck import hookimpl

from . import backends
from .config import SETTINGS

__version__ = "0.1.0"


@hookimpl
def register_settings():
    return SETTINGS


@hookimpl
def supervisor_programs(settings):
    return [backends.program(settings)]


@hookimpl
def register_proxies(settings):
    return [backends.proxy(settings)]


@hookimpl(trylast=True)  # a dashboard, when installed, is the better landing page
def default_page(settings):
    return "terminal/session/1"


@hookimpl
def workshop_variables(settings, request):
    return {"terminal_url": settings.prefix + "terminal"}

