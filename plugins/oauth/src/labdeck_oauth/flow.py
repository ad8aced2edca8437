"""The browser-bound part of an authorization-code flow: ``state`` and PKCE.

``LoginFlows.begin`` makes a fresh ``state`` and PKCE verifier and keeps them,
with the page the user asked for and the redirect URI, in a signed cookie
named after the state. ``LoginFlows.finish`` accepts a callback only with that
cookie, within ``timeout`` seconds, and only once. Each login in progress has
its own cookie, so two tabs signing in at once do not spoil each other.

Nothing here is specific to one provider; a backend using another OAuth
client could reuse it.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from aiohttp import web
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from labdeck import SessionCookies

LOGIN_TIMEOUT = 600  # seconds between leaving for the provider and coming back


def cookie_name(prefix: str, kind: str) -> str:
    """Named as core names its session cookie (``labdeck-<kind>-<hash of the prefix>``), so two
    instances under one host never share a cookie."""
    return f"labdeck-{kind}-{hashlib.sha256(prefix.encode()).hexdigest()[:12]}"


@dataclass(frozen=True)
class Flow:
    """One login in progress."""

    state: str
    code_verifier: str
    next_url: str
    redirect_uri: str

    @property
    def code_challenge(self) -> str:
        return create_s256_code_challenge(self.code_verifier)


class FlowError(Exception):
    """The callback cannot be trusted: no, a wrong, an expired or a replayed ``state``."""


class LoginFlows:
    _SALT = ":oauth-flow"

    def __init__(self, sessions: SessionCookies, prefix: str, timeout: int = LOGIN_TIMEOUT):
        self.sessions = sessions
        self.prefix = prefix
        self.timeout = timeout
        self._used: dict[str, float] = {}  # state -> when it may be forgotten

    def cookie_name(self, state: str) -> str:
        # a digest of the state, never the state itself: the name is not secret
        return cookie_name(self.prefix, "oauth-" + hashlib.sha256(state.encode()).hexdigest()[:16])

    def begin(self, request: web.Request, response: web.StreamResponse, next_url: str, redirect_uri: str) -> Flow:
        """A new flow whose cookie is set on ``response`` (the redirect to the provider)."""
        flow = Flow(secrets.token_urlsafe(32), secrets.token_urlsafe(48), next_url, redirect_uri)
        value = self.sessions.sign([flow.state, flow.code_verifier, flow.next_url, flow.redirect_uri],
                                   salt=self._SALT)
        self.sessions.set_cookie(response, request, self.cookie_name(flow.state), value, max_age=self.timeout)
        return flow

    def finish(self, request: web.Request, response: web.StreamResponse | None = None) -> Flow:
        """The flow this callback completes; its cookie is cleared on ``response``. Raises FlowError."""
        state = request.query.get("state", "")
        if not state:
            raise FlowError("the provider sent no state")
        name = self.cookie_name(state)
        if response is not None:
            self.sessions.clear(response, name)
        raw = request.cookies.get(name)
        if not raw:
            raise FlowError("this browser did not start that sign-in, or it took too long")
        data = self.sessions.unsign(raw, self.timeout, salt=self._SALT)
        if not (isinstance(data, list) and len(data) == 4 and all(isinstance(x, str) for x in data)):
            raise FlowError("that sign-in took too long or its cookie was altered")
        if not secrets.compare_digest(data[0], state):
            raise FlowError("the state does not match")
        now = time.monotonic()
        self._used = {s: until for s, until in self._used.items() if until > now}
        if state in self._used:
            raise FlowError("that sign-in was already completed")
        self._used[state] = now + self.timeout + 60
        return Flow(*data)
