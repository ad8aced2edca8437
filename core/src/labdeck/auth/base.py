"""What a sign-in backend is. Providers are subclasses, registered through
``register_auth_backends`` like any plugin's (core's own token, basic and none included)."""

from __future__ import annotations

from typing import ClassVar

from aiohttp import web

from ..deck import Deck
from ..pages import page
from ..specs import Principal
from .session import SessionCookies


class AuthBackend:
    """One way of signing people in. Subclass, set ``name``, and override what differs.

    Who may enter is decided in one order, for every backend: ``authenticate`` (who is
    this? the default reads the session cookie) -> ``allow`` (the backend's own rule, e.g.
    an allow-list or a hub scope) -> the ``authorize`` hook of every plugin. A request
    with no valid session gets ``challenge``. ``routes`` are the backend's public
    sign-in routes, paths relative to the prefix (``"-/login"``, ``"oauth_callback"``).

    ``configured(settings)`` says whether this backend's own configuration is present;
    without ``--auth``, the configured backend with the lowest ``order`` is used, and
    token auth when none is.
    """

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
        self.sessions.clear(response)
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
