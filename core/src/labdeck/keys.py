"""Typed application and request state (``web.AppKey``), declared in one place."""

from __future__ import annotations

import pluggy
from aiohttp import web

SETTINGS = web.AppKey("labdeck.settings", "Settings")
PLUGIN_MANAGER = web.AppKey("labdeck.plugin_manager", pluggy.PluginManager)
AUTH_BACKEND = web.AppKey("labdeck.auth_backend", "AuthBackend")
PROXY = web.AppKey("labdeck.proxy", "Proxy")
PROGRAMS = web.AppKey("labdeck.programs", "ProgramRunner")
WEBSOCKETS = web.AppKey("labdeck.websockets", set)
ACTIVITY = web.AppKey("labdeck.activity", "Activity")

#: request[PRINCIPAL] is the signed-in ``labdeck.Principal`` (plugins: ``labdeck.principal_of(request)``)
PRINCIPAL = web.RequestKey("labdeck.principal", "Principal")
