"""The whole labdeck plugin contract.

Every hook is documented in docs/hooks.md (a test checks that). ``register_*``
hooks run once while the app is built and return data; core turns that data
into behaviour. Hooks marked *per request* may return an awaitable; core
awaits it.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("labdeck")
hookimpl = pluggy.HookimplMarker("labdeck")


@hookspec
def register_settings():
    """Return a list of ``labdeck.Setting`` this plugin reads.

    Each becomes a ``labdeck serve`` flag and an environment variable, is
    validated at start and reaches every hook through the one ``Settings``.
    """


@hookspec
def register_routes(settings):
    """Return aiohttp route definitions (``web.get(...)``, ``web.static(...)``).

    They are mounted in a sub-app under ``<prefix><plugin-name>/``, behind auth.
    """


@hookspec
def register_proxies(settings):
    """Return a list of ``labdeck.ProxySpec``: paths core reverse-proxies
    (HTTP and WebSocket) to an upstream, behind auth."""


@hookspec
def supervisor_programs(settings):
    """Return a list of ``labdeck.ProgramSpec``: processes this plugin needs.

    ``labdeck serve`` runs them as its children; ``labdeck run`` and
    ``labdeck supervisord-conf`` hand them to supervisord.
    """


@hookspec
def register_auth_backends():
    """Return a list of auth backend classes (see ``labdeck.auth.AuthBackend``),
    each with a unique ``name`` usable as ``LABDECK_AUTH``."""


@hookspec(firstresult=True)
def authorize(principal, request):
    """Per request: may this signed-in ``principal`` use ``request``?

    Return True or False to decide, None for no opinion (allowed). May return
    an awaitable. The first non-None answer wins.
    """


@hookspec(firstresult=True)
def default_page(settings):
    """Return the path (relative to the prefix, e.g. ``"dashboard/"``) that
    ``/`` redirects to. The first non-None answer wins; ``DEFAULT_PAGE`` beats it."""


@hookspec
def dashboard_tabs(settings):
    """Return a list of ``labdeck.Tab`` to show in the dashboard's work area."""


@hookspec
def workshop_variables(settings, request):
    """Per request: return a dict of ``%name%`` variables for workshop pages.
    May return an awaitable."""


@hookspec
def register_commands():
    """Return a list of ``labdeck.Command``: extra ``labdeck`` subcommands."""


@hookspec
def startup(app):
    """Called once the app has started. May return an awaitable."""


@hookspec
def shutdown(app):
    """Called when the app stops, before programs are stopped. May return an
    awaitable."""
