"""The hooks core itself calls: the whole core plugin contract, one section each in docs/hooks.md.
Hooks other plugins call live with them (``register_hookspecs``; implement them optionalhook)."""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("labdeck")
hookimpl = pluggy.HookimplMarker("labdeck")


@hookspec
def register_hookspecs():
    """Return a module or class of ``@labdeck.hookspec`` functions other plugins implement."""


@hookspec
def register_settings():
    """Return a list of ``labdeck.Setting``: this plugin's settings group."""


@hookspec
def register_routes(deck):
    """Return route definitions or a ``web.Application``, mounted at ``<prefix><plugin>/`` behind auth."""


@hookspec
def register_proxies(deck):
    """Return a list of ``labdeck.ProxySpec``: paths proxied (HTTP and WebSocket), behind auth."""


@hookspec
def supervisor_programs(deck):
    """Return a list of ``labdeck.ProgramSpec``: processes this plugin needs."""


@hookspec
def register_auth_backends():
    """Return a list of ``labdeck.AuthBackend`` subclasses, each with a unique ``name``."""


@hookspec(firstresult=True)
def authorize(principal, request):
    """Per request: True/False decides, None has no opinion; may return an awaitable."""


@hookspec(firstresult=True)
def default_page(deck):
    """Return the path (relative to the prefix) that ``/`` redirects to; the first answer wins."""


@hookspec
def register_commands():
    """Return a list of ``labdeck.Command``: extra ``labdeck`` subcommands."""
