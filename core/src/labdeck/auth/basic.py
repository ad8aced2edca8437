"""``basic`` auth: ``AUTH_USERNAME`` / ``AUTH_PASSWORD``, as the original images did."""

from __future__ import annotations

import base64
import binascii
import hmac

from aiohttp import web

from ..deck import Deck
from ..settings import Settings, SettingsError
from ..specs import Principal
from .base import AuthBackend, Throttle
from .session import SessionCookies


class BasicAuth(AuthBackend):
    """HTTP Basic on every request; the browser keeps sending the credentials."""

    name = "basic"
    order = 40

    def __init__(self, deck: Deck, sessions: SessionCookies):
        super().__init__(deck, sessions)
        auth = deck.settings.auth
        if not auth.username:
            raise SettingsError("--auth-username / AUTH_USERNAME: basic auth needs a user name")
        if not auth.password:
            raise SettingsError("--auth-password / AUTH_PASSWORD: basic auth needs a non-empty password")
        self._username = auth.username.encode()
        self._password = auth.password.encode()
        self.throttle = Throttle(tuple(deck.settings.core.trusted_proxies))

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        auth = settings.auth
        return bool(auth.username or auth.password) and auth.username != "*"

    async def authenticate(self, request: web.Request) -> Principal | None:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return await super().authenticate(request)
        try:
            user, sep, password = base64.b64decode(encoded.strip(), validate=True).partition(b":")
        except (binascii.Error, ValueError):
            return None
        # both compared, always, so the time taken does not tell which was wrong
        user_ok = hmac.compare_digest(user, self._username)
        password_ok = hmac.compare_digest(password, self._password)
        if self.throttle.verdict(request, bool(sep) and user_ok and password_ok,
                                 f" as {user[:64].decode(errors='replace')!r}"):
            return Principal(name=user.decode(errors="replace"), backend=self.name)
        return None

    async def challenge(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPUnauthorized(
            headers={"WWW-Authenticate": 'Basic realm="labdeck", charset="UTF-8"'},
            text="Sign-in required.\n",
        )

    def secret_material(self) -> bytes:
        return b"basic:" + self._username + b":" + self._password
