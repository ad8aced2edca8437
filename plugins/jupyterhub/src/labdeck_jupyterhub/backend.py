"""``jupyterhub`` auth: labdeck as a server spawned by JupyterHub, signed in through the hub.

The hub starts ``labdeck serve`` with no arguments and everything in the environment: the
``jupyterhub`` settings group (``JUPYTERHUB_CLIENT_ID``, ``JUPYTERHUB_API_TOKEN``, also the
OAuth client secret, ``JUPYTERHUB_API_URL``, ``JUPYTERHUB_BASE_URL``, ``JUPYTERHUB_HOST``
when the hub is on another host, ``JUPYTERHUB_OAUTH_CALLBACK_URL``,
``JUPYTERHUB_OAUTH_ACCESS_SCOPES``, ``JUPYTERHUB_ACTIVITY_URL``, ``JUPYTERHUB_SERVER_NAME``,
``JUPYTERHUB_ACTIVITY_INTERVAL``).

The hub is an OAuth2 provider like any other: ``OAuthCodeFlow`` of labdeck-oauth does the
code flow (PKCE, client secret in the body, ``state`` bound to the browser by a short-lived
signed cookie and accepted once). The token's owner and scopes come from
``GET $JUPYTERHUB_API_URL/user``; the access scopes it holds are kept in the session, and
the backend's ``allow`` rule lets in only a session holding one of
``JUPYTERHUB_OAUTH_ACCESS_SCOPES``: the owner, and admins the hub lets in; anyone else gets
the 403 page.

Every ``LABDECK_JUPYTERHUB_RECHECK_INTERVAL`` seconds the session's token is shown to
``GET $JUPYTERHUB_API_URL/user`` again: the hub answers with the scopes the token holds
*now* (what it was granted, cut down to what its owner may still do), so an admin who lost
the role no longer holds ``access:servers``; a token the hub deleted (the user signed out at
the hub, was deleted, or the token was revoked) ends the session.

The callback is ``JUPYTERHUB_OAUTH_CALLBACK_URL`` exactly as the hub registered it (a path
on the hub's host, or with ``subdomain_host`` a full URL on this server's own host), never
something built from a request's ``Host``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from labdeck import Deck, Principal, SessionCookies, Settings, SettingsError
from labdeck_oauth import (
    GRANTS,
    OAuthCodeFlow,
    ProviderError,
    SignedIn,
    TokenError,
    callback_route,
    configure_recheck,
    request_json,
)

from .activity import report_activity
from .service_tokens import SERVICE, PeopleActivity, ServiceTokens, header_token, service_allowed

log = logging.getLogger("labdeck.jupyterhub")


@dataclass(frozen=True)
class HubConfig:
    """What the spawner told us about the hub."""

    client_id: str
    api_token: str
    api_url: str  # no trailing slash
    authorize_url: str
    logout_url: str
    callback_url: str  # exactly as registered with the hub (the redirect_uri)
    callback_route: str  # relative to the prefix
    access_scopes: frozenset[str]
    activity_url: str | None
    server_name: str
    activity_interval: float

    @classmethod
    def from_settings(cls, hub: Any, prefix: str) -> HubConfig:
        """From the ``jupyterhub`` settings group; what is missing or unusable stops the start."""
        def need(name: str) -> str:
            value = (hub.get(name) or "").strip()
            if not value:
                raise SettingsError(f"JUPYTERHUB_{name.upper()} is not set: the jupyterhub auth mode runs "
                                    "under a JupyterHub spawner")
            return value

        client_id = need("client_id")
        api_token = need("api_token")
        api_url = need("api_url").rstrip("/")
        scopes = parse_scopes(hub.oauth_access_scopes or "")
        if not scopes:
            raise SettingsError("JUPYTERHUB_OAUTH_ACCESS_SCOPES is missing or empty: refusing to start, "
                                "since nobody could be told apart from the server's owner")
        base_url = "/" + (hub.base_url or "/").strip("/")
        hub_prefix = base_url.rstrip("/") + "/hub/"
        hub_host = (hub.host or "").rstrip("/")
        # as the spawner registered it with the hub: a path (the hub's own host) or, with subdomain_host,
        # a full URL on this server's host; never built from a request
        callback_url = hub.oauth_callback_url or prefix + "oauth_callback"
        callback_route_ = callback_route(callback_url, prefix, "JUPYTERHUB_OAUTH_CALLBACK_URL",
                                         absolute=bool(urlsplit(callback_url).scheme))
        return cls(
            client_id=client_id,
            api_token=api_token,
            api_url=api_url,
            authorize_url=hub_host + hub_prefix + "api/oauth2/authorize",
            logout_url=hub_host + hub_prefix + "logout",
            callback_url=callback_url,
            callback_route=callback_route_,
            access_scopes=scopes,
            activity_url=hub.activity_url or None,
            server_name=hub.server_name or "",
            activity_interval=max(float(hub.activity_interval), 1.0),
        )


def parse_scopes(text: str) -> frozenset[str]:
    """A JSON list (as the hub writes it), or whitespace-separated scopes."""
    text = text.strip()
    if not text:
        return frozenset()
    if text.startswith("["):
        try:
            value = json.loads(text)
        except ValueError as error:
            raise SettingsError(f"JUPYTERHUB_OAUTH_ACCESS_SCOPES is not a JSON list: {text!r}") from error
        return frozenset(str(s) for s in value if str(s).strip())
    return frozenset(text.split())


def scope_grants(held: str, required: str) -> bool:
    """Whether the token scope ``held`` covers ``required`` (both ``base`` or ``base!kind=value``).

    An unfiltered scope covers every filter of its base; ``!user=x`` covers
    ``!server=x/…``. Group filters are never resolved (we cannot see groups),
    so they only match themselves, as in JupyterHub's own ``check_scopes``.
    """
    held_base, _, held_filter = held.partition("!")
    required_base, _, required_filter = required.partition("!")
    if held_base != required_base:
        return False
    if not held_filter or held_filter == required_filter:
        return True
    kind, _, value = held_filter.partition("=")
    required_kind, _, required_value = required_filter.partition("=")
    return kind == "user" and required_kind == "server" and required_value.split("/", 1)[0] == value


def has_access(token_scopes: Any, access_scopes: frozenset[str]) -> bool:
    if not isinstance(token_scopes, list | tuple):
        return False
    return any(scope_grants(str(held), required) for held in token_scopes for required in access_scopes)


class JupyterHubAuth(OAuthCodeFlow):
    """Sign-in through the hub that spawned this server; owner and permitted admins only."""

    name = "jupyterhub"
    order = 10  # the spawner's variables win over anything else configured
    provider_failure_status = 502  # the hub, in front of us, did not answer

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return settings.has("jupyterhub") and bool(settings.jupyterhub.client_id)

    def __init__(self, deck: Deck, sessions: SessionCookies):
        super().__init__(deck, sessions)
        self.hub = hub = HubConfig.from_settings(deck.settings.jupyterhub, self.prefix)
        self.client_id = hub.client_id
        self.client_secret = lambda: hub.api_token
        self.endpoint_overrides = {"authorize_url": hub.authorize_url, "token_url": hub.api_url + "/oauth2/token"}
        self.token_auth_method = "client_secret_post"  # noqa: S105 - a method name, not a secret
        self.scope = ""  # the hub grants what the spawner registered for this client
        self.redirect_url = hub.callback_url
        self.callback_path = hub.callback_route
        # the spawner gives the same token to every restart of the web process (labdeck run)
        self.secret_seed = b"jupyterhub:" + hub.api_token.encode()
        settings = deck.settings.jupyterhub
        configure_recheck(self, settings.recheck_interval, settings.recheck_grace,
                          "--jupyterhub-recheck-interval / --jupyterhub-recheck-grace")
        self.hub_version: str | None = None
        self.service_tokens = ServiceTokens(hub.api_url, self.ssl_context)
        # made before core's middleware and proxy take deck.activity: a service's reads are no use
        deck.activity = PeopleActivity(deck.activity)
        self._client: aiohttp.ClientSession | None = None
        self._reporter: asyncio.Task | None = None

    def routes(self) -> list[web.RouteDef]:
        return [*super().routes(), web.get("api", self.api)]

    # --- who signed in, and may they enter ------------------------------------------------------

    async def authenticate(self, request: web.Request) -> Principal | None:
        """A browser's session, or a hub service's API token in ``Authorization`` (service_tokens.py)."""
        if header_token(request) is None:
            return await super().authenticate(request)
        found = await self.service_tokens.principal(request)
        if found is None:
            return None
        principal, request[GRANTS] = found
        return principal

    async def lookup_user(self, token: Any) -> SignedIn:
        status, user = await request_json("GET", self.hub.api_url + "/user", bearer=token["access_token"],
                                          ssl_context=self.ssl_context)
        if status in (401, 403):
            raise TokenError(f"the hub's user endpoint answered HTTP {status} (the token is not, or no longer, valid)")
        if status != 200 or not isinstance(user, dict):
            raise ProviderError(f"the hub's user endpoint answered HTTP {status}")
        if user.get("kind", "user") != "user":
            raise TokenError(f"the token belongs to a hub {user.get('kind')!r}, not a user")
        name = user.get("name")
        if not isinstance(name, str) or not name:
            raise ProviderError("the hub's user endpoint named no user")
        groups = tuple(g for g in user.get("groups") or () if isinstance(g, str))
        # only the scopes the allow rule looks at: the cookie stays small
        scopes = user.get("scopes") if isinstance(user.get("scopes"), list) else []
        kept = tuple(sorted({str(s) for s in scopes
                             if any(scope_grants(str(s), required) for required in self.hub.access_scopes)}))
        return SignedIn(Principal(name=name, backend=self.name, groups=groups), kept)

    async def allow(self, principal: Principal, request: web.Request) -> bool:
        """Only a session whose token held one of ``JUPYTERHUB_OAUTH_ACCESS_SCOPES``; a service's
        token, holding one too, only on the paths service_tokens.py allows."""
        if SERVICE in request and not service_allowed(request, self.prefix):
            log.info("refused %s on %s (not a path a service token may use)", principal.name, request.path)
            return False
        if has_access(self.grants(request), self.hub.access_scopes):
            return True
        log.info("refused %s (no access scope for this server)", principal.name)
        return False

    async def logout(self, request: web.Request) -> web.StreamResponse:
        self.end_session(request)
        response = web.Response(status=302, headers={"Location": self.hub.logout_url})
        self.sessions.clear(response)
        return response

    def startup_message(self, url: str) -> str:
        return f"Sign-in through JupyterHub ({self.hub.api_url}), client {self.client_id}"

    # --- what the hub asks of a spawned server --------------------------------------------------

    async def api(self, request: web.Request) -> web.StreamResponse:
        """The hub's readiness poll (no credentials): the version header and nothing else."""
        headers = {"X-JupyterHub-Version": self.hub_version} if self.hub_version else {}
        return web.json_response({}, headers=headers)

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._client is None:
            self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15),
                                                 cookie_jar=aiohttp.DummyCookieJar())
        return self._client

    async def on_startup(self, app: web.Application) -> None:
        await super().on_startup(app)
        try:
            async with self.http.get(self.hub.api_url + "/", timeout=aiohttp.ClientTimeout(total=5)) as response:
                self.hub_version = (await response.json()).get("version")
        except (aiohttp.ClientError, TimeoutError, ValueError, AttributeError) as error:
            log.warning("could not read the hub's version from %s: %s", self.hub.api_url, type(error).__name__)
        if self.hub.activity_url:
            self._reporter = asyncio.ensure_future(report_activity(
                self.http, self.deck.activity, self.hub.activity_url, self.hub.server_name,
                self.hub.api_token, self.hub.activity_interval))

    async def on_shutdown(self, app: web.Application) -> None:
        if self._reporter is not None:
            self._reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reporter
        if self._client is not None:
            await self._client.close()
