"""``none`` auth: everyone is let in. Only when asked for explicitly."""

from __future__ import annotations

import getpass

from aiohttp import web

from ..settings import Settings
from ..specs import Principal
from .base import AuthBackend
from .session import SessionCookies


class NoAuth(AuthBackend):
    name = "none"

    def __init__(self, settings: Settings, sessions: SessionCookies):
        super().__init__(settings, sessions)
        self._principal = Principal(name=getpass.getuser(), backend=self.name)

    async def authenticate(self, request: web.Request) -> Principal:
        return self._principal
