"""``Deck``: what a plugin sees of labdeck. Every hook that needs context receives it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy
from aiohttp import web

from .activity import Activity
from .plugins import BUILTIN_PLUGINS
from .settings import Settings
from .specs import Principal, ProgramSpec

if TYPE_CHECKING:
    from .auth.base import AuthBackend

#: the running app's Deck (plugins: ``Deck.of(request)``)
DECK = web.AppKey("labdeck.deck", "Deck")
#: request[PRINCIPAL] is the signed-in ``Principal`` (plugins: ``Deck.principal(request)``)
PRINCIPAL = web.RequestKey("labdeck.principal", Principal)


class Deck:
    """The public face of one labdeck instance: settings (every owner's group), prefix, ``url()``,
    ``hook`` (every plugin's, traced by pluggy), ``has(plugin)``, ``activity``."""

    def __init__(self, settings: Settings, pm: pluggy.PluginManager, activity: Activity | None = None):
        self.settings = settings
        self.prefix: str = settings.core.prefix
        self.activity = activity or Activity()
        self._pm = pm

    @property
    def hook(self) -> Any:
        """Every plugin's hooks, core's and those plugins added (``deck.hook.dashboard_tabs(deck=deck)``)."""
        return self._pm.hook

    def has(self, plugin: str) -> bool:
        """Is a plugin of this name loaded?"""
        return self._pm.has_plugin(plugin)

    def plugins(self) -> list[str]:
        """The loaded plugins' names, core's built-ins left out."""
        return sorted(name for name, _ in self._pm.list_name_plugin() if name not in BUILTIN_PLUGINS)

    def url(self, plugin: str, path: str = "") -> str:
        """The public path of ``path`` inside ``plugin``'s mount: ``/user/a/notes/x.md``."""
        return f"{self.prefix}{plugin.strip('/')}/{path.lstrip('/')}"

    def programs(self) -> list[ProgramSpec]:
        """Every plugin's ``supervisor_programs``, checked (for whoever runs them)."""
        from .plugins import collect

        return [spec for _, spec in collect(self._pm, "supervisor_programs", ProgramSpec, deck=self)]

    def auth_backend(self) -> type[AuthBackend]:
        """The sign-in backend these settings choose; raises ``SettingsError`` when none fits."""
        from .auth import available_backends, choose_backend

        return choose_backend(self.settings, available_backends(self._pm))

    @staticmethod
    def of(request: web.Request) -> Deck:
        """The Deck of the app serving ``request`` (works in every plugin's sub-app)."""
        return request.config_dict[DECK]

    @staticmethod
    def principal(request: web.Request) -> Principal:
        """Who is signed in for this request (set by core's auth middleware)."""
        return request[PRINCIPAL]
