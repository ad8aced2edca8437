"""``none`` auth: everyone is let in. Only when asked for explicitly."""

from __future__ import annotations

import getpass

from aiohttp import web

from ..deck import Deck
from ..settings import Settings
from ..specs import Principal
from .base import AuthBackend
from .session import SessionCookies


class NoAuth(AuthBackend):
    """Chosen by ``--auth none``, or by ``AUTH_USERNAME='*'`` as in the original images."""

    name = "none"
    order = 30

    def __init__(self, deck: Deck, sessions: SessionCookies):
        super().__init__(deck, sessions)
        self._principal = Principal(name=getpass.getuser(), backend=self.name)

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return settings.auth.username == "*"

    async def authenticate(self, request: web.Request) -> Principal:
        return self._principal
