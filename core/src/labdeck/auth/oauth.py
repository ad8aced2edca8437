"""``oauth`` auth: sign in with OpenShift or any OAuth2 / OIDC provider.

Authorization-code flow with PKCE (S256) and a browser-bound, single-use,
expiring ``state`` (``oauth_flow``); the callback is ``<prefix>oauth_callback``.
Two modes:

- OpenShift (``OAUTH_SERVICE_ACCOUNT`` set): the pod's service account is the
  client, the cluster's OAuth server the provider, ``users/~`` names the user,
  and only holders of ``--oauth-project-role`` (admin) in the project get in.
- generic: any provider, found by discovery (``--oauth-issuer``) or explicit
  URLs; the user and their groups come from configurable claims, and
  ``--oauth-allowed-users`` / ``--oauth-allowed-groups`` say who gets in.

The session cookie is signed and holds the user, their groups, a random
session id and when the access token expires. Refresh tokens stay in this
process's memory; an expired session is refreshed there, or else the next page
load goes back through the provider and returns to the same page.
"""

from __future__ import annotations

import asyncio
import html
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from authlib.oauth2.rfc6749 import OAuth2Token

from ..pages import forbidden, page
from ..settings import Setting, Settings, SettingsError
from ..specs import Principal
from ..urls import safe_next
from .base import AuthBackend, wants_html
from .oauth_flow import FlowError, LoginFlows
from .oauth_provider import (
    Endpoints,
    OAuthClient,
    ProviderError,
    TokenError,
    as_groups,
    claim,
    discover,
    endpoints_from,
    request_json,
    tls_context,
)
from .openshift import ProjectRoleCheck, ServiceAccount, kubernetes_url, openshift_user
from .session import SessionCookies

log = logging.getLogger("labdeck.auth.oauth")

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
TOKEN_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


def _setting(name: str, *, legacy: str | None = None, **kwargs) -> Setting:
    env = (f"LABDECK_{name.upper()}", legacy) if legacy else None
    return Setting(name, env=env, **kwargs)


OAUTH_SETTINGS: tuple[Setting, ...] = (
    Setting("oauth_service_account", env="OAUTH_SERVICE_ACCOUNT", default=None,
            help="OpenShift mode: the service account that is the OAuth client "
                 "(client id system:serviceaccount:<project>:<name>, secret its token)"),
    _setting("oauth_client_id", legacy="OAUTH_CLIENT_ID", help="OAuth client id (generic mode)"),
    _setting("oauth_client_id_file", legacy="OAUTH_CLIENT_ID_FILE", type=Path, help="file holding the client id"),
    _setting("oauth_client_secret", legacy="OAUTH_CLIENT_SECRET", secret=True, help="OAuth client secret"),
    _setting("oauth_client_secret_file", legacy="OAUTH_CLIENT_SECRET_FILE", type=Path,
             help="file holding the client secret (read at each use, so it may be rotated)"),
    _setting("oauth_issuer", legacy="OAUTH_ISSUER",
             help="provider URL for discovery (.well-known/openid-configuration or oauth-authorization-server)"),
    _setting("oauth_authorize_url", help="authorization endpoint (overrides discovery)"),
    _setting("oauth_token_url", help="token endpoint (overrides discovery)"),
    _setting("oauth_userinfo_url", help="endpoint answering the signed-in user's claims (overrides discovery)"),
    _setting("oauth_scope", help="scopes to ask for (default: 'user:info' on OpenShift, else 'openid profile email')"),
    _setting("oauth_token_auth_method", choices=TOKEN_AUTH_METHODS,
             help="how the client authenticates at the token endpoint "
                  "(default: post on OpenShift, else from discovery, else basic)"),
    _setting("oauth_username_claim", default="preferred_username", help="claim holding the user name (dots nest)"),
    _setting("oauth_groups_claim", default="groups", help="claim holding the user's groups (dots nest)"),
    _setting("oauth_allowed_users", type=list, default=(), help="user names that may enter"),
    _setting("oauth_allowed_groups", type=list, default=(), help="groups whose members may enter"),
    _setting("oauth_allow_all", type=bool, default=False,
             help="generic mode: let in everyone the provider signs in (needed when no allow-list is set)"),
    _setting("oauth_project_role", default="admin",
             help="OpenShift: the role a user must hold in the project (directly or through a group)"),
    _setting("oauth_namespace", legacy="PROJECT_NAMESPACE",
             help="OpenShift: the project (default: the pod's service account namespace)"),
    _setting("oauth_kubernetes_url", help="OpenShift: cluster API URL (default: the in-pod KUBERNETES_SERVICE_*)"),
    _setting("oauth_serviceaccount_dir", type=Path, default=SERVICE_ACCOUNT_DIR,
             help="OpenShift: where the pod's service account token, namespace and ca.crt are"),
    _setting("oauth_ca_file", type=Path, help="extra CA bundle trusted for the provider and the cluster API"),
    _setting("oauth_redirect_url",
             help="the callback URL the provider sends users back to (default: <this host><prefix>oauth_callback)"),
    _setting("oauth_logout_url", help="the provider's sign-out page, linked from labdeck's (default: discovered)"),
    _setting("oauth_access_cache", type=float, default=60.0,
             help="seconds an OpenShift role-binding answer is reused"),
)


class AccessUnavailable(Exception):
    """Who may enter cannot be decided now (cluster API unreachable)."""


@dataclass
class _Grant:
    """What this process keeps of a session: the refresh token, when the access
    token expires, and the user as last looked up."""

    principal: Principal
    expires_at: float | None
    refresh_token: str | None
    created: float = field(default_factory=time.time)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def _page_exception(cls: type[web.HTTPException], response: web.Response) -> web.HTTPException:
    return cls(text=response.text, content_type="text/html")


class OAuthBackend(AuthBackend):
    name = "oauth"
    settings_specs = OAUTH_SETTINGS
    _COOKIE_SALT = ":oauth-session"

    def __init__(self, settings: Settings, sessions: SessionCookies):
        self.prefix = settings.prefix
        super().__init__(settings, sessions)
        self.flows = LoginFlows(sessions, self.prefix)
        self.callback_path = "oauth_callback"
        self._grants: dict[str, _Grant] = {}
        self._ended: dict[str, float] = {}  # signed-out session ids -> when their cookie expires anyway
        self._endpoints: Endpoints | None = None
        self._discovery_lock = asyncio.Lock()
        self.allowed_users = frozenset(settings.oauth_allowed_users)
        self.allowed_groups = frozenset(settings.oauth_allowed_groups)
        self.role_check: ProjectRoleCheck | None = None
        if settings.oauth_service_account:
            self._setup_openshift(settings)
        else:
            self._setup_generic(settings)

    # -- configuration ---------------------------------------------------------------

    def _setup_openshift(self, settings: Settings) -> None:
        account = ServiceAccount(settings.oauth_service_account, settings.oauth_serviceaccount_dir,
                                 settings.oauth_namespace)
        self.api = kubernetes_url(settings.oauth_kubernetes_url)
        self.ssl_context = tls_context(account.ca_file, settings.oauth_ca_file)
        self.client_id = account.client_id
        self.client_secret: Callable[[], str | None] = account.token
        self.issuer = self.api
        self.scope = settings.oauth_scope if settings.oauth_scope is not None else "user:info"
        # as the original images did; and a client id full of ':' is safest outside the Basic header
        self.token_auth_method = settings.oauth_token_auth_method or "client_secret_post"
        self.role_check = ProjectRoleCheck(self.api, account.namespace, settings.oauth_project_role,
                                           account.token, self.ssl_context, settings.oauth_access_cache)
        self._secret_seed = b"oauth-openshift:" + account.token().encode()

    def _setup_generic(self, settings: Settings) -> None:
        client_id = settings.oauth_client_id or _read(settings.oauth_client_id_file, "--oauth-client-id-file")
        if not client_id:
            raise SettingsError("--oauth-client-id / LABDECK_OAUTH_CLIENT_ID: oauth auth needs a client id "
                                "(or OAUTH_SERVICE_ACCOUNT for OpenShift)")
        if not settings.oauth_issuer and not (settings.oauth_authorize_url and settings.oauth_token_url):
            raise SettingsError("--oauth-issuer / LABDECK_OAUTH_ISSUER: set the provider's URL for discovery, "
                                "or both --oauth-authorize-url and --oauth-token-url")
        if not (self.allowed_users or self.allowed_groups or settings.oauth_allow_all):
            raise SettingsError("--oauth-allowed-users / --oauth-allowed-groups: say who may enter, or set "
                                "--oauth-allow-all to let in everyone the provider signs in")
        secret_file = settings.oauth_client_secret_file
        if settings.oauth_client_secret:
            secret = settings.oauth_client_secret
            self.client_secret = lambda: secret
        elif secret_file:
            _read(secret_file, "--oauth-client-secret-file")
            self.client_secret = lambda: _read(secret_file, "--oauth-client-secret-file")
        else:
            raise SettingsError("--oauth-client-secret / LABDECK_OAUTH_CLIENT_SECRET: oauth auth needs the "
                                "client secret (or --oauth-client-secret-file)")
        self.client_id = client_id
        self.api = None
        self.issuer = settings.oauth_issuer
        self.ssl_context = tls_context(settings.oauth_ca_file)
        self.scope = settings.oauth_scope if settings.oauth_scope is not None else "openid profile email"
        self.token_auth_method = settings.oauth_token_auth_method
        self._secret_seed = b"oauth:" + client_id.encode() + b":" + (self.client_secret() or "").encode()

    def secret_material(self) -> bytes:
        return self._secret_seed

    async def endpoints(self) -> Endpoints:
        """The provider's endpoints, discovered once (retried while it is unreachable)."""
        if self._endpoints is None:
            async with self._discovery_lock:
                if self._endpoints is None:
                    settings = self.settings
                    metadata = await discover(self.issuer, self.ssl_context) if self.issuer else {}
                    self._endpoints = endpoints_from(metadata, {
                        "authorize_url": settings.oauth_authorize_url, "token_url": settings.oauth_token_url,
                        "userinfo_url": settings.oauth_userinfo_url,
                    })
        return self._endpoints

    async def client(self) -> OAuthClient:
        return OAuthClient(self.client_id, self.client_secret, await self.endpoints(), self.scope,
                           self.ssl_context, self.token_auth_method)

    async def on_startup(self, app: web.Application) -> None:
        try:
            await self.endpoints()
        except ProviderError as error:
            log.warning("sign-in provider not reachable yet (will retry at the first sign-in): %s", error)

    def startup_message(self, url: str) -> str:
        mode = f"OpenShift project {self.role_check.namespace}" if self.role_check else f"{self.issuer or 'provider'}"
        return f"Sign-in with OAuth ({mode}), client {self.client_id}"

    # -- the login flow --------------------------------------------------------------

    def routes(self) -> list[web.RouteDef]:
        return [web.get(self.callback_path, self.callback)]

    def redirect_uri(self, request: web.Request) -> str:
        return self.settings.oauth_redirect_url or f"{request.scheme}://{request.host}{self.prefix}{self.callback_path}"

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
            principal = await self.lookup_user(token)
        except TokenError as error:
            log.warning("sign-in refused by the token endpoint: %s", error)
            return self._retry_page("The sign-in was not accepted", "the provider refused the code",
                                    response, status=403, next_url=flow.next_url)
        except ProviderError as error:
            log.error("sign-in failed: %s", error)
            return self._unavailable("The sign-in service did not answer as expected.", response)
        self._start_session(request, response, principal, token)
        log.info("signed in: %s", principal.name)
        response.headers["Location"] = safe_next(flow.next_url, self.prefix, self.prefix)
        return response

    async def lookup_user(self, token: OAuth2Token) -> Principal:
        if self.api is not None:
            return await openshift_user(self.api, token["access_token"], self.ssl_context)
        endpoints = await self.endpoints()
        if not endpoints.userinfo_url:
            raise ProviderError("no user-info endpoint: set --oauth-userinfo-url")
        status, claims = await request_json("GET", endpoints.userinfo_url, bearer=token["access_token"],
                                            ssl_context=self.ssl_context)
        if status != 200 or not isinstance(claims, dict):
            raise ProviderError(f"user info: HTTP {status}")
        name = claim(claims, self.settings.oauth_username_claim)
        if not isinstance(name, str | int) or not str(name):
            raise ProviderError(f"user info has no {self.settings.oauth_username_claim!r} claim "
                                "(see --oauth-username-claim)")
        return Principal(name=str(name), backend=self.name,
                         groups=as_groups(claim(claims, self.settings.oauth_groups_claim)))

    # -- sessions ---------------------------------------------------------------------

    def _start_session(self, request: web.Request, response: web.StreamResponse, principal: Principal,
                       token: OAuth2Token) -> None:
        sid = secrets.token_urlsafe(24)
        expires_at = token.get("expires_at")
        self._prune()
        self._grants[sid] = _Grant(principal, expires_at, token.get("refresh_token"))
        value = self.sessions.sign({"u": principal.name, "g": list(principal.groups), "sid": sid, "exp": expires_at},
                                   salt=self._COOKIE_SALT)
        self.sessions.set_cookie(response, request, self.sessions.name, value, max_age=self.sessions.max_age)

    def _prune(self) -> None:
        now = time.time()
        horizon = now - self.sessions.max_age  # older sessions' cookies are refused anyway
        self._ended = {sid: until for sid, until in self._ended.items() if until > now}
        self._grants = {sid: grant for sid, grant in self._grants.items() if grant.created > horizon}

    async def _session(self, request: web.Request) -> Principal | None:
        raw = request.cookies.get(self.sessions.name)
        data = self.sessions.unsign(raw, self.sessions.max_age, salt=self._COOKIE_SALT) if raw else None
        if not isinstance(data, dict) or not isinstance(data.get("u"), str) or not isinstance(data.get("sid"), str):
            return None
        sid = data["sid"]
        if sid in self._ended:
            return None
        grant = self._grants.get(sid)
        if grant is None:
            # this process restarted: the signed cookie still vouches for the user until the token's expiry
            expires_at = data.get("exp")
            if isinstance(expires_at, int | float) and expires_at <= time.time():
                return None
            return Principal(name=data["u"], backend=self.name, groups=tuple(data.get("g") or ()))
        if grant.expires_at is None or grant.expires_at > time.time():
            return grant.principal
        return await self._refresh(sid, grant)

    async def _refresh(self, sid: str, grant: _Grant) -> Principal | None:
        """A new access token from the refresh token, and the user looked up again with it."""
        async with grant.lock:
            if grant.expires_at is not None and grant.expires_at > time.time():
                return grant.principal  # another request refreshed meanwhile
            if not grant.refresh_token:
                self._grants.pop(sid, None)
                return None
            try:
                token = await (await self.client()).refresh(grant.refresh_token)
                principal = await self.lookup_user(token)
            except ProviderError as error:
                log.info("session of %s not refreshed (%s): sign-in again", grant.principal.name, error)
                self._grants.pop(sid, None)
                return None
            if principal.name != grant.principal.name:
                self._grants.pop(sid, None)
                return None
            grant.principal, grant.expires_at = principal, token.get("expires_at")
            grant.refresh_token = token.get("refresh_token")
            return principal

    # -- who may enter ------------------------------------------------------------------

    async def allowed(self, principal: Principal) -> bool:
        """Allow-lists first; on OpenShift the project role; in generic mode ``--oauth-allow-all``."""
        if principal.name in self.allowed_users or self.allowed_groups.intersection(principal.groups):
            return True
        if self.role_check is not None:
            try:
                return await self.role_check.allows(principal)
            except ProviderError as error:
                log.error("cannot check who may enter: %s", error)
                raise AccessUnavailable(str(error)) from None
        return bool(self.settings.oauth_allow_all)

    async def authenticate(self, request: web.Request) -> Principal | None:
        principal = await self._session(request)
        if principal is None or request.path == self.prefix + "-/logout":
            return principal
        try:
            ok = await self.allowed(principal)
        except AccessUnavailable:
            raise _page_exception(web.HTTPServiceUnavailable, self._unavailable(
                "labdeck cannot check who may use this environment right now.")) from None
        if not ok:
            log.info("refused %s (not allowed)", principal.name)
            raise _page_exception(web.HTTPForbidden, forbidden(principal.name, self.prefix))
        return principal

    async def logout(self, request: web.Request) -> web.StreamResponse:
        raw = request.cookies.get(self.sessions.name)
        data = self.sessions.unsign(raw, self.sessions.max_age, salt=self._COOKIE_SALT) if raw else None
        if isinstance(data, dict) and isinstance(data.get("sid"), str):
            self._grants.pop(data["sid"], None)
            self._ended[data["sid"]] = time.time() + self.sessions.max_age
        provider_logout = self.settings.oauth_logout_url or (self._endpoints and self._endpoints.end_session_url)
        extra = (f'<p>You may still be signed in at the provider: <a href="{html.escape(provider_logout)}">'
                 "sign out there too</a>.</p>") if provider_logout else ""
        response = page("Signed out", f'<h1>Signed out</h1>{extra}<p><a href="{html.escape(self.prefix)}">'
                                      "Sign in again</a></p>")
        response.headers["Cache-Control"] = "no-store"
        self.sessions.clear(response)
        return response

    # -- pages ------------------------------------------------------------------------------

    def _retry_page(self, title: str, reason: str, cookies_from: web.StreamResponse,
                    *, status: int, next_url: str | None = None) -> web.Response:
        # a link, never an automatic redirect: a failing sign-in must not loop
        retry = safe_next(next_url, self.prefix, self.prefix)
        response = page(title, f"<h1>{html.escape(title)}</h1><p>{html.escape(reason)}.</p>"
                               f'<p><a href="{html.escape(retry)}">Sign in again</a></p>', status=status)
        _copy_cookies(cookies_from, response)
        return response

    def _unavailable(self, message: str, cookies_from: web.StreamResponse | None = None) -> web.Response:
        """503. A plain page reloads itself; after a failed callback (whose state is spent)
        it links to the start instead."""
        if cookies_from is None:
            again = "<p>This page tries again by itself.</p><script>setTimeout(function(){location.reload()},10000)" \
                    "</script>"
        else:
            again = f'<p><a href="{html.escape(self.prefix)}">Try again</a></p>'
        response = page("503 Sign-in unavailable",
                        f"<h1>Please try again in a moment</h1><p>{html.escape(message)}</p>{again}", status=503)
        if cookies_from is not None:
            _copy_cookies(cookies_from, response)
        return response


def _copy_cookies(source: web.StreamResponse, target: web.StreamResponse) -> None:
    for name, morsel in source.cookies.items():
        target.cookies[name] = morsel


def _read(path: Path | None, flag: str) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text().strip()
    except OSError as error:
        raise SettingsError(f"{flag}: cannot read {path}: {error.strerror}") from None
