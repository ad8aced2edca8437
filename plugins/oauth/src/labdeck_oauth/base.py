"""``OAuthCodeFlow``: the OAuth2 authorization-code flow as a labdeck sign-in backend.

Authorization code with PKCE (S256) and a browser-bound, single-use, expiring ``state``
(``flow``); the callback is ``<prefix>oauth_callback``. A subclass says where its
provider is (``issuer`` for discovery and/or ``endpoint_overrides``), who the client is
(``client_id``, ``client_secret``), who a token belongs to (``lookup_user``) and who may
enter (``allow``); everything else is here: the redirect, the callback and its error
pages, sessions, refresh, sign-out.

The session cookie is signed and holds the user, their groups, the grants ``lookup_user``
returned (``grants(request)``, for ``allow``), a random session id, when the access
token expires and when the user was last looked up. Access and refresh tokens stay in this
process's memory; an expired session is refreshed there, or else the next page load goes
back through the provider and returns to the same page.

Every ``recheck_interval`` seconds a session's user is looked up again with the stored
access token (``lookup_user``): a token the provider no longer accepts (``TokenError``:
signed out at the provider, user deleted, token revoked) ends the session, and new
grants (an admin role lost) apply from then on. A provider that cannot be reached
(``ProviderError``) keeps the last answer for ``recheck_grace`` more seconds, retrying,
then gives a 503 page until it answers: nobody is locked out by a short outage, and
nobody keeps access through a long one.
"""

from __future__ import annotations

import asyncio
import html
import logging
import secrets
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from aiohttp import web
from authlib.oauth2.rfc6749 import OAuth2Token

from labdeck import AuthBackend, Deck, Principal, SessionCookies, page, safe_next, wants_html

from .flow import FlowError, LoginFlows
from .provider import Endpoints, OAuthClient, ProviderError, TokenError, discover, endpoints_from, tls_context

log = logging.getLogger("labdeck.oauth")

#: request[GRANTS]: the grants of the session that signed this request in (see ``SignedIn``)
GRANTS = web.RequestKey("labdeck_oauth.grants", tuple)
#: request[SUBJECT]: the stable id of the user signed in (``SignedIn.id``)
SUBJECT = web.RequestKey("labdeck_oauth.subject", str)


@dataclass(frozen=True)
class SignedIn:
    """What ``lookup_user`` found: the principal, and the grants (scopes, roles …) the
    backend's ``allow`` rule needs on later requests. Grants are kept in the signed
    session cookie: keep them few (only those the rule looks at)."""

    principal: Principal
    grants: tuple[str, ...] = ()
    #: a stable identifier of the user (OIDC ``sub``), for allow-lists; ``principal.name``
    #: is for display and may be one the user can edit. None: the name is stable.
    subject: str | None = None

    @property
    def id(self) -> str:
        return self.subject if self.subject is not None else self.principal.name


@dataclass
class _Grant:
    """What this process keeps of a session: the access and refresh tokens, when the
    access token expires, and the user as last looked up (and when)."""

    signed_in: SignedIn
    expires_at: float | None
    refresh_token: str | None
    access_token: str | None = None
    created: float = field(default_factory=time.time)
    checked: float = field(default_factory=time.time)  # when the provider last vouched for the user
    retry_at: float = 0.0  # after a failed re-check: not before then
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def _page_exception(cls: type[web.HTTPException], response: web.Response) -> web.HTTPException:
    return cls(text=response.text, content_type="text/html")


def _copy_cookies(source: web.StreamResponse, target: web.StreamResponse) -> None:
    for name, morsel in source.cookies.items():
        target.cookies[name] = morsel


class OAuthCodeFlow(AuthBackend):
    """Base class of the OAuth backends (not registered itself: it has no ``name``).

    A subclass's ``__init__`` calls ``super().__init__(deck, sessions)`` and then sets
    ``client_id``, ``client_secret`` (a callable, read at each use), ``issuer`` and/or
    ``endpoint_overrides`` (``authorize_url``, ``token_url``, ``userinfo_url``), and as
    needed ``scope``, ``token_auth_method``, ``ssl_context``, ``redirect_url``,
    ``logout_url``, ``callback_path``, ``allowed_users``, ``allowed_groups``,
    ``recheck_interval``, ``recheck_grace`` and ``secret_seed``. ``redirect_url`` is required
    (the callback as registered at the provider): it is never built from a request's
    ``Host``. It implements ``lookup_user`` and overrides ``allow`` (core calls it
    for every request after ``authenticate``; raise ``self.unavailable(...)`` from it when
    the rule cannot be checked right now).
    """

    #: status of the page shown when the provider fails during the callback
    provider_failure_status = 503
    #: seconds between retries of a re-check the provider did not answer
    RECHECK_RETRY = 30.0
    _COOKIE_SALT = ":oauth-session"

    def __init__(self, deck: Deck, sessions: SessionCookies):
        super().__init__(deck, sessions)
        self.flows = LoginFlows(sessions, self.prefix)
        self.callback_path = "oauth_callback"
        self.client_id = ""
        self.client_secret: Callable[[], str | None] = lambda: None
        self.issuer: str | None = None
        self.endpoint_overrides: Mapping[str, str | None] = {}
        self.scope = ""
        self.token_auth_method: str | None = None
        self.ssl_context: ssl.SSLContext = tls_context()
        self.redirect_url: str | None = None
        self.logout_url: str | None = None
        self.secret_seed: bytes | None = None
        self.allowed_users: frozenset[str] = frozenset()
        self.allowed_groups: frozenset[str] = frozenset()
        self.recheck_interval = 300.0  # 0: never look a signed-in user up again
        self.recheck_grace = 1800.0
        self._grants: dict[str, _Grant] = {}
        self._ended: dict[str, float] = {}  # signed-out session ids -> when their cookie expires anyway
        self._endpoints: Endpoints | None = None
        self._discovery_lock = asyncio.Lock()

    # -- what a subclass provides --------------------------------------------------------

    async def lookup_user(self, token: OAuth2Token) -> SignedIn | Principal:
        """Who owns this token (and the grants ``allow`` will need). Called at sign-in and
        at every re-check. Raises TokenError when the provider says the token is not (or no
        longer) valid, ProviderError when it cannot be asked."""
        raise NotImplementedError

    def listed(self, principal: Principal, request: web.Request | None = None) -> bool:
        """Is the user in ``allowed_users`` (by their stable id: ``SignedIn.subject``, else the
        name), or in one of ``allowed_groups``?"""
        user_id = request.get(SUBJECT, principal.name) if request is not None else principal.name
        return user_id in self.allowed_users or bool(self.allowed_groups.intersection(principal.groups))

    @staticmethod
    def grants(request: web.Request) -> tuple[str, ...]:
        """The grants of the session signing this request in (for ``allow``)."""
        return request.get(GRANTS, ())

    def secret_material(self) -> bytes | None:
        return self.secret_seed

    # -- the provider ----------------------------------------------------------------------

    async def endpoints(self) -> Endpoints:
        """The provider's endpoints, discovered once (retried while it is unreachable)."""
        if self._endpoints is None:
            async with self._discovery_lock:
                if self._endpoints is None:
                    metadata = await discover(self.issuer, self.ssl_context) if self.issuer else {}
                    self._endpoints = endpoints_from(metadata, self.endpoint_overrides)
        return self._endpoints

    async def client(self) -> OAuthClient:
        return OAuthClient(self.client_id, self.client_secret, await self.endpoints(), self.scope,
                           self.ssl_context, self.token_auth_method)

    async def on_startup(self, app: web.Application) -> None:
        try:
            await self.endpoints()
        except ProviderError as error:
            log.warning("sign-in provider not reachable yet (will retry at the first sign-in): %s", error)

    # -- the login flow ----------------------------------------------------------------------

    def routes(self) -> list[web.RouteDef]:
        return [web.get(self.callback_path, self.callback)]

    def redirect_uri(self, request: web.Request) -> str:
        """The configured callback URL: never built from the request (its ``Host`` or forwarded
        headers are the client's to choose)."""
        if not self.redirect_url:
            raise RuntimeError(f"{type(self).__name__}: no redirect_url configured")
        return self.redirect_url

    async def challenge(self, request: web.Request) -> web.StreamResponse:
        if not wants_html(request):
            raise web.HTTPUnauthorized(text="Sign-in required (your session has ended: reload the page).\n")
        return await self._start_login(request, request.path_qs)

    async def _start_login(self, request: web.Request, next_url: str) -> web.StreamResponse:
        next_url = safe_next(next_url, self.prefix, self.prefix)
        try:
            client = await self.client()
        except ProviderError as error:
            log.error("cannot start sign-in: %s", error)
            return self._unavailable("The sign-in service is not answering.")
        response = web.Response(status=302)
        flow = self.flows.begin(request, response, next_url, self.redirect_uri(request))
        response.headers["Location"] = client.authorization_url(flow)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def callback(self, request: web.Request) -> web.StreamResponse:
        response = web.Response(status=302, headers={"Cache-Control": "no-store"})
        try:
            flow = self.flows.finish(request, response)
        except FlowError as error:
            if await self._session(request) is not None:  # the back button onto a spent callback
                response.headers["Location"] = self.prefix
                return response
            log.warning("sign-in callback refused: %s", error)
            return self._retry_page("This sign-in link is not valid here", str(error), response, status=400)
        if "error" in request.query:
            reason = request.query.get("error_description") or request.query["error"]
            return self._retry_page("The sign-in was not completed", reason, response,
                                    status=403, next_url=flow.next_url)
        code = request.query.get("code")
        if not code:
            return self._retry_page("The sign-in was not completed", "the provider sent no code",
                                    response, status=400, next_url=flow.next_url)
        try:
            client = await self.client()
            token = await client.fetch_token(code, flow)
            signed_in = self._signed_in(await self.lookup_user(token))
        except TokenError as error:
            log.warning("sign-in refused by the token endpoint: %s", error)
            return self._retry_page("The sign-in was not accepted", "the provider refused the code",
                                    response, status=403, next_url=flow.next_url)
        except ProviderError as error:
            log.error("sign-in failed: %s", error)
            return self._unavailable("The sign-in service did not answer as expected.", response,
                                     status=self.provider_failure_status)
        value = self.new_session(signed_in, token.get("expires_at"), token.get("refresh_token"),
                                 token.get("access_token"))
        self.sessions.set_cookie(response, request, self.sessions.name, value, max_age=self.sessions.max_age)
        log.info("signed in: %s", signed_in.principal.name)
        response.headers["Location"] = safe_next(flow.next_url, self.prefix, self.prefix)
        return response

    @staticmethod
    def _signed_in(found: SignedIn | Principal) -> SignedIn:
        return found if isinstance(found, SignedIn) else SignedIn(found)

    # -- sessions -----------------------------------------------------------------------------

    def new_session(self, signed_in: SignedIn, expires_at: float | None = None,
                    refresh_token: str | None = None, access_token: str | None = None) -> str:
        """Remember a new session; the value of its cookie. Without ``access_token`` the
        session cannot be re-checked, and ends at its first re-check."""
        sid = secrets.token_urlsafe(24)
        self._prune()
        now = time.time()
        self._grants[sid] = _Grant(signed_in, expires_at, refresh_token, access_token, created=now, checked=now)
        principal = signed_in.principal
        data = {"u": principal.name, "g": list(principal.groups), "a": list(signed_in.grants),
                "sid": sid, "exp": expires_at, "t": int(now)}
        if signed_in.subject is not None:
            data["s"] = signed_in.subject
        return self.sessions.sign(data, salt=self._COOKIE_SALT)

    def _prune(self) -> None:
        now = time.time()
        horizon = now - self.sessions.max_age  # older sessions' cookies are refused anyway
        self._ended = {sid: until for sid, until in self._ended.items() if until > now}
        self._grants = {sid: grant for sid, grant in self._grants.items() if grant.created > horizon}

    def _cookie(self, request: web.Request) -> dict | None:
        raw = request.cookies.get(self.sessions.name)
        data = self.sessions.unsign(raw, self.sessions.max_age, salt=self._COOKIE_SALT) if raw else None
        if not isinstance(data, dict) or not isinstance(data.get("u"), str) or not isinstance(data.get("sid"), str):
            return None
        return data

    async def _session(self, request: web.Request) -> SignedIn | None:
        data = self._cookie(request)
        if data is None:
            return None
        sid = data["sid"]
        if sid in self._ended or self.sessions.is_revoked(sid):
            return None
        grant = self._grants.get(sid)
        now = time.time()
        if grant is None:
            # this process restarted: the signed cookie still vouches for the user until the token's
            # expiry, and no longer than a re-check interval after the provider last vouched for them
            expires_at, checked = data.get("exp"), data.get("t")
            if isinstance(expires_at, int | float) and expires_at <= now:
                return None
            if self.recheck_interval and not (isinstance(checked, int | float)
                                              and now - checked < self.recheck_interval):
                return None
            principal = Principal(name=data["u"], backend=self.name, groups=tuple(data.get("g") or ()))
            subject = data.get("s") if isinstance(data.get("s"), str) else None
            return SignedIn(principal, tuple(str(g) for g in data.get("a") or ()), subject)
        if grant.expires_at is not None and grant.expires_at <= now:
            return await self._refresh(sid, grant)
        if self.recheck_interval and now - grant.checked >= self.recheck_interval:
            return await self._recheck(sid, grant)
        return grant.signed_in

    def _forget(self, sid: str) -> None:
        """End a session for good: neither this process's memory nor the cookie brings it back."""
        self._grants.pop(sid, None)
        self._ended[sid] = time.time() + self.sessions.max_age
        self.sessions.revoke(sid)  # core keeps it refused across a restart of the web process

    async def _recheck(self, sid: str, grant: _Grant) -> SignedIn | None:
        """Ask the provider again who owns the session's access token (see the module's text)."""
        async with grant.lock:
            now = time.time()
            if sid not in self._grants:
                return None  # ended by a request that held the lock before us
            stale = now - grant.checked
            if stale < self.recheck_interval:
                return grant.signed_in  # another request re-checked meanwhile
            name = grant.signed_in.principal.name
            if now < grant.retry_at:
                return self._keep_while_unanswered(grant, stale)
            if not grant.access_token:
                log.info("session of %s ended: it has no token to re-check", name)
                self._forget(sid)
                return None
            try:
                found = self._signed_in(await self.lookup_user(OAuth2Token({"access_token": grant.access_token})))
            except TokenError as error:
                log.info("session of %s ended: the provider no longer accepts its token (%s)", name, error)
                self._forget(sid)
                return None
            except ProviderError as error:
                log.warning("could not re-check the session of %s (%s): retrying in %.0f s", name, error,
                            self.RECHECK_RETRY)
                grant.retry_at = now + min(self.RECHECK_RETRY, self.recheck_interval)
                return self._keep_while_unanswered(grant, stale)
            if found.id != grant.signed_in.id:
                log.warning("session of %s ended: its token now belongs to someone else", name)
                self._forget(sid)
                return None
            if found.grants != grant.signed_in.grants or found.principal != grant.signed_in.principal:
                log.info("re-checked %s: their groups or grants changed", name)
            grant.signed_in, grant.checked, grant.retry_at = found, now, 0.0
            return found

    def _keep_while_unanswered(self, grant: _Grant, stale: float) -> SignedIn:
        """The provider did not answer a re-check: the last answer holds, within the grace period."""
        if stale >= self.recheck_interval + self.recheck_grace:
            raise self.unavailable("labdeck cannot check your sign-in with the sign-in service right now.")
        return grant.signed_in

    async def _refresh(self, sid: str, grant: _Grant) -> SignedIn | None:
        """A new access token from the refresh token, and the user looked up again with it."""
        async with grant.lock:
            if grant.expires_at is not None and grant.expires_at > time.time():
                return grant.signed_in  # another request refreshed meanwhile
            if not grant.refresh_token:
                self._grants.pop(sid, None)
                return None
            try:
                token = await (await self.client()).refresh(grant.refresh_token)
                signed_in = self._signed_in(await self.lookup_user(token))
            except ProviderError as error:
                log.info("session of %s not refreshed (%s): sign-in again", grant.signed_in.principal.name, error)
                self._forget(sid)
                return None
            if signed_in.id != grant.signed_in.id:
                self._forget(sid)
                return None
            grant.signed_in, grant.expires_at = signed_in, token.get("expires_at")
            grant.refresh_token = token.get("refresh_token")
            grant.access_token, grant.checked, grant.retry_at = token.get("access_token"), time.time(), 0.0
            return signed_in

    async def authenticate(self, request: web.Request) -> Principal | None:
        signed_in = await self._session(request)
        if signed_in is None:
            return None
        request[GRANTS] = signed_in.grants
        request[SUBJECT] = signed_in.id
        return signed_in.principal

    def end_session(self, request: web.Request) -> None:
        """Forget this request's session: its cookie, even copied elsewhere, no longer works."""
        data = self._cookie(request)
        if data is not None:
            self._forget(data["sid"])

    async def logout(self, request: web.Request) -> web.StreamResponse:
        self.end_session(request)
        provider_logout = self.logout_url or (self._endpoints and self._endpoints.end_session_url)
        extra = (f'<p>You may still be signed in at the provider: <a href="{html.escape(provider_logout)}">'
                 "sign out there too</a>.</p>") if provider_logout else ""
        response = page("Signed out", f'<h1>Signed out</h1>{extra}<p><a href="{html.escape(self.prefix)}">'
                                      "Sign in again</a></p>")
        response.headers["Cache-Control"] = "no-store"
        self.sessions.clear(response)
        return response

    # -- pages ----------------------------------------------------------------------------------

    def unavailable(self, message: str) -> web.HTTPException:
        """A 503 page to raise (from ``allow``): who may enter cannot be decided right now."""
        return _page_exception(web.HTTPServiceUnavailable, self._unavailable(message))

    def _retry_page(self, title: str, reason: str, cookies_from: web.StreamResponse,
                    *, status: int, next_url: str | None = None) -> web.Response:
        # a link, never an automatic redirect: a failing sign-in must not loop
        retry = safe_next(next_url, self.prefix, self.prefix)
        response = page(title, f"<h1>{html.escape(title)}</h1><p>{html.escape(reason)}.</p>"
                               f'<p><a href="{html.escape(retry)}">Sign in again</a></p>', status=status)
        _copy_cookies(cookies_from, response)
        return response

    def _unavailable(self, message: str, cookies_from: web.StreamResponse | None = None,
                     *, status: int = 503) -> web.Response:
        """A plain page reloads itself; after a failed callback (whose state is spent)
        it links to the start instead."""
        if cookies_from is None:
            again = "<p>This page tries again by itself.</p><script>setTimeout(function(){location.reload()},10000)" \
                    "</script>"
        else:
            again = f'<p><a href="{html.escape(self.prefix)}">Try again</a></p>'
        response = page(f"{status} Sign-in unavailable",
                        f"<h1>Please try again in a moment</h1><p>{html.escape(message)}</p>{again}", status=status)
        if cookies_from is not None:
            _copy_cookies(cookies_from, response)
        return response
