"""What an auth backend is, and the helpers every backend shares."""

from __future__ import annotations

from typing import ClassVar

from aiohttp import web

from ..settings import Setting, Settings
from ..specs import Principal
from .session import SessionCookies


class AuthBackend:
    """One way of signing people in. Subclass, set ``name``, and override what differs.

    The default reads the session cookie; ``challenge`` answers a request that
    carries no valid session. ``routes`` are the backend's public login-flow
    routes, paths relative to the prefix (``"-/login"``, ``"oauth_callback"``).
    """

    name: ClassVar[str]
    #: the backend's own options; a built-in backend's become ``labdeck serve`` flags
    #: (a plugin's backend declares its options through ``register_settings``)
    settings_specs: ClassVar[tuple[Setting, ...]] = ()

    def __init__(self, settings: Settings, sessions: SessionCookies):
        self.settings = settings
        self.sessions = sessions

    def routes(self) -> list[web.RouteDef]:
        return []

    async def authenticate(self, request: web.Request) -> Principal | None:
        return self.sessions.read(request)

    async def challenge(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPUnauthorized(text="Sign-in required.\n")

    async def logout(self, request: web.Request) -> web.StreamResponse:
        from ..pages import page

        prefix = self.settings.prefix
        response = page("Signed out", f'<h1>Signed out</h1><p><a href="{prefix}">Sign in again</a></p>')
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
