"""The hooks core itself calls: the whole core plugin contract (docs/hooks.md).

A hook another plugin calls lives with that plugin (``dashboard_tabs`` in the dashboard,
``workshop_variables`` in the notes), added through ``register_hookspecs``; implement it
with ``@hookimpl(optionalhook=True)`` so a missing plugin is not an error. ``register_*``
hooks run once while the app is built and return data; core turns that data into
behaviour. Hooks marked *per request* may return an awaitable; core awaits it.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("labdeck")
hookimpl = pluggy.HookimplMarker("labdeck")


@hookspec
def register_hookspecs():
    """Return a module or class of ``@labdeck.hookspec`` functions: hooks this plugin calls
    and other plugins implement. Added before any other hook is called."""


@hookspec
def register_settings():
    """Return a list of ``labdeck.Setting``: this plugin's settings group.

    Each becomes a ``labdeck serve`` flag and an environment variable, is validated at
    start and is read as ``deck.settings.<plugin>.<name>``.
    """


@hookspec
def register_routes(deck):
    """Return a list of aiohttp route definitions, or a ``web.Application`` of the plugin's own.

    Either is mounted as a sub-app under ``<prefix><plugin-name>/``, behind auth.
    """


@hookspec
def register_proxies(deck):
    """Return a list of ``labdeck.ProxySpec``: paths core reverse-proxies
    (HTTP and WebSocket) to an upstream, behind auth."""


@hookspec
def supervisor_programs(deck):
    """Return a list of ``labdeck.ProgramSpec``: processes this plugin needs.

    ``labdeck serve`` runs them as its children; ``labdeck run`` and
    ``labdeck supervisord-conf`` hand them to supervisord.
    """


@hookspec
def register_auth_backends():
    """Return a list of ``labdeck.AuthBackend`` subclasses, each with a unique ``name``
    usable as ``--auth`` / ``LABDECK_AUTH``."""


@hookspec(firstresult=True)
def authorize(principal, request):
    """Per request: may this signed-in ``principal`` use ``request``?

    Return True or False to decide, None for no opinion (allowed). May return
    an awaitable. The first non-None answer wins.
    """


@hookspec(firstresult=True)
def default_page(deck):
    """Return the path (relative to the prefix, e.g. ``"dashboard/"``) that ``/``
    redirects to. The first non-None answer wins, in pluggy's call order (``tryfirst``
    before plain before ``trylast``); ``DEFAULT_PAGE`` beats them all."""


@hookspec
def register_commands():
    """Return a list of ``labdeck.Command``: extra ``labdeck`` subcommands."""
