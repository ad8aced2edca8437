"""Typed application and request state (``web.AppKey``), declared in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
import pluggy
from aiohttp import web

if TYPE_CHECKING:
    pass

SETTINGS = web.AppKey("labdeck.settings", "Settings")
PLUGIN_MANAGER = web.AppKey("labdeck.plugin_manager", pluggy.PluginManager)
AUTH_BACKEND = web.AppKey("labdeck.auth_backend", "AuthBackend")
PROXY = web.AppKey("labdeck.proxy", "Proxy")
PROGRAMS = web.AppKey("labdeck.programs", "ProgramRunner")
HTTP_CLIENT = web.AppKey("labdeck.http_client", aiohttp.ClientSession)
WEBSOCKETS = web.AppKey("labdeck.websockets", set)
PUBLIC_RESOURCES = web.AppKey("labdeck.public_resources", set)
ACTIVITY = web.AppKey("labdeck.activity", "Activity")

#: request[PRINCIPAL] is the signed-in ``labdeck.Principal`` (plugins: ``labdeck.principal_of(request)``)
PRINCIPAL = web.RequestKey("labdeck.principal", "Principal")
