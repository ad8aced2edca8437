"""``none`` auth: everyone is let in. Only when asked for explicitly."""

from __future__ import annotations

import getpass

from aiohttp import web

from ..specs import Principal
from .base import AuthBackend


class NoAuth(AuthBackend):
    name = "none"

    async def authenticate(self, request: web.Request) -> Principal:
        return Principal(name=getpass.getuser(), backend=self.name)
