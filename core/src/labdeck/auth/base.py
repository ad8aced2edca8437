"""What a sign-in backend is. Providers are subclasses, registered through
``register_auth_backends`` like any plugin's (core's own token, basic and none included)."""

from __future__ import annotations

import logging
import time
from typing import ClassVar

from aiohttp import web

from ..deck import Deck
from ..pages import page
from ..specs import Principal
from ..urls import client_address
from .session import SessionCookies

log = logging.getLogger("labdeck.auth")


class AuthBackend:
    """One way of signing people in (docs/plugins.md): ``authenticate`` (who is this?) -> ``allow``
    (the backend's own rule) -> every plugin's ``authorize``; no session gets ``challenge``."""

    name: ClassVar[str]
    #: among configured backends, the lowest order wins when ``--auth`` is not given
    order: ClassVar[int] = 100

    def __init__(self, deck: Deck, sessions: SessionCookies):
        self.deck = deck
        self.prefix = deck.prefix
        self.sessions = sessions

    @classmethod
    def configured(cls, settings) -> bool:
        """Is this backend's configuration present (so it should be chosen without ``--auth``)?"""
        return False

    def routes(self) -> list[web.RouteDef]:
        return []

    async def authenticate(self, request: web.Request) -> Principal | None:
        return self.sessions.read(request)

    async def allow(self, principal: Principal, request: web.Request) -> bool:
        """The backend's own rule for a signed-in principal (default: everyone it signed in)."""
        return True

    async def challenge(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPUnauthorized(text="Sign-in required.\n")

    async def logout(self, request: web.Request) -> web.StreamResponse:
        response = page("Signed out", f'<h1>Signed out</h1><p><a href="{self.prefix}">Sign in again</a></p>')
        self.sessions.end(request, response)
        return response

    def startup_message(self, url: str) -> str | None:
        """A line for the console when the server starts (e.g. a login URL)."""
        return None

    async def on_startup(self, app: web.Application) -> None:
        """Called once when the app starts (fetch provider metadata, …)."""

    async def on_shutdown(self, app: web.Application) -> None:
        """Called once when the app stops (close clients, stop background tasks)."""

    def secret_material(self) -> bytes | None:
        """Bytes stable across restarts from which a cookie key may be derived, if any."""
        return None


def wants_html(request: web.Request) -> bool:
    """A browser navigation (redirect to a login page) rather than an API or WebSocket call."""
    if request.headers.get("Upgrade", "").lower() == "websocket":
        return False
    return request.method in ("GET", "HEAD") and "text/html" in request.headers.get("Accept", "")


class Throttle:
    """Failed sign-ins per client address: after ``FREE``, each try is refused (429) for a time
    doubling with every failure, at most ``CAP`` s (the real attendee waits a minute at worst)."""

    FREE, CAP, FORGET, SIZE = 5, 60.0, 900.0, 4096

    def __init__(self, proxies: tuple[str, ...]):
        self.proxies = proxies
        self._failures: dict[str, tuple[int, float]] = {}  # address -> (failures, time of the last)

    def verdict(self, request: web.Request, valid: bool, who: str = "") -> bool:
        """``valid``, unless this address must wait (429); a success forgets its failures."""
        if valid and not self._failures:  # nobody is waiting out failures: every signed-in request
            return True
        address, now = client_address(request, self.proxies), time.time()
        count, last = self._failures.pop(address, (0, 0.0))
        if count >= self.FREE and (wait := last + min(2.0 ** (count - self.FREE), self.CAP) - now) > 0:
            self._failures[address] = (count, last)
            log.warning("sign-in from %s%s refused: %d failures, retry in %.0f s", address, who, count, wait)
            raise web.HTTPTooManyRequests(text="Too many failed sign-ins: wait a minute.\n",
                                          headers={"Retry-After": str(int(wait) + 1)})
        if not valid:
            log.warning("sign-in failed from %s%s", address, who)
            self._failures[address] = (count + 1 if now - last < self.FORGET else 1, now)
            for oldest in list(self._failures)[: len(self._failures) - self.SIZE]:
                del self._failures[oldest]
        return valid
