"""``token`` auth: a random token in a login URL, as Jupyter does, for local use."""

from __future__ import annotations

import getpass
import hmac
import html
import secrets
from urllib.parse import urlencode

from aiohttp import web

from ..deck import Deck
from ..pages import page
from ..specs import Principal
from ..urls import safe_next
from .base import AuthBackend, Throttle, wants_html
from .session import SessionCookies


class TokenAuth(AuthBackend):
    """Open ``<url>?token=…`` once (it becomes a session cookie), or send ``Authorization: token …``."""

    name = "token"
    order = 1000  # the fallback when nothing else is configured

    def __init__(self, deck: Deck, sessions: SessionCookies):
        super().__init__(deck, sessions)
        self.token: str = deck.settings.auth.token or secrets.token_urlsafe(24)
        self._principal = Principal(name=getpass.getuser(), backend=self.name)
        self.throttle = Throttle(tuple(deck.settings.core.trusted_proxies))

    def _valid(self, request: web.Request, candidate: str | None) -> bool:
        return bool(candidate) and self.throttle.verdict(request, hmac.compare_digest(candidate.encode(),
                                                                                     self.token.encode()))

    def routes(self) -> list[web.RouteDef]:
        return [web.get("-/login", self.login_page), web.post("-/login", self.login_form)]

    async def authenticate(self, request: web.Request) -> Principal | None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "token" and self._valid(request, value.strip()):
            return self._principal
        return await super().authenticate(request)

    def _signed_in_redirect(self, request: web.Request, target: str) -> web.StreamResponse:
        response = web.Response(status=302, headers={"Location": target})
        self.sessions.write(response, request, self._principal)
        return response

    async def challenge(self, request: web.Request) -> web.StreamResponse:
        if self._valid(request, request.query.get("token")):
            query = {k: v for k, v in request.query.items() if k != "token"}
            target = request.path + ("?" + urlencode(query) if query else "")
            return self._signed_in_redirect(request, safe_next(target, self.prefix, self.prefix))
        if wants_html(request):
            raise web.HTTPFound(f"{self.prefix}-/login?" + urlencode({"next": request.path_qs}))
        return await super().challenge(request)

    async def login_page(self, request: web.Request) -> web.StreamResponse:
        next_url = safe_next(request.query.get("next"), self.prefix, self.prefix)
        if self._valid(request, request.query.get("token")):
            return self._signed_in_redirect(request, next_url)
        return login_form_page(self.prefix, next_url, error=False)

    async def login_form(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        next_url = safe_next(str(form.get("next", "")), self.prefix, self.prefix)
        if self._valid(request, str(form.get("token", ""))):
            return self._signed_in_redirect(request, next_url)
        return login_form_page(self.prefix, next_url, error=True)

    def secret_material(self) -> bytes:
        return b"token:" + self.token.encode()

    def startup_message(self, url: str) -> str:
        return f"Open this URL to sign in:\n    {url}?token={self.token}"


def login_form_page(prefix: str, next_url: str, *, error: bool) -> web.Response:
    message = '<p class="error">That token is not right.</p>' if error else ""
    body = f"""<h1>Sign in to labdeck</h1>{message}
<p>Paste the token printed in the terminal where labdeck was started.</p>
<form method="post" action="{html.escape(prefix)}-/login">
<input type="hidden" name="next" value="{html.escape(next_url)}">
<input type="password" name="token" autocomplete="current-password" autofocus aria-label="token">
<button type="submit">Sign in</button></form>"""
    return page("Sign in", body, status=401 if error else 200)
