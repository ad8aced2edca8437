"""``jupyterhub`` auth: labdeck as a server spawned by JupyterHub, signed in through the hub.

The hub starts ``labdeck serve`` with no arguments and everything in the environment
(read here, not as flags: the API token is a secret and the spawner owns these names):

``JUPYTERHUB_CLIENT_ID``, ``JUPYTERHUB_API_TOKEN`` (also the OAuth client secret),
``JUPYTERHUB_API_URL``, ``JUPYTERHUB_BASE_URL``, ``JUPYTERHUB_HOST`` (when the hub is on
another host), ``JUPYTERHUB_OAUTH_CALLBACK_URL``, ``JUPYTERHUB_OAUTH_ACCESS_SCOPES``,
``JUPYTERHUB_ACTIVITY_URL``, ``JUPYTERHUB_SERVER_NAME``, ``JUPYTERHUB_ACTIVITY_INTERVAL``.

A browser without a session goes through the OAuth2 code flow (PKCE, client secret in
the body, ``state`` bound to the browser by a short-lived signed cookie and accepted
once); the token's owner and scopes come from ``GET $JUPYTERHUB_API_URL/user``. Only a
token holding one of the access scopes gets in; anyone else gets a 403 page.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request

from ..keys import ACTIVITY
from ..pages import forbidden, page
from ..settings import Settings, SettingsError
from ..specs import Principal
from ..urls import safe_next
from .base import AuthBackend, wants_html
from .oauth_flow import Flow, FlowError, LoginFlows
from .session import SessionCookies

log = logging.getLogger("labdeck.auth.jupyterhub")


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
    def from_environ(cls, environ: Mapping[str, str], prefix: str) -> HubConfig:
        def need(name: str) -> str:
            value = environ.get(name, "").strip()
            if not value:
                raise SettingsError(f"{name} is not set: the jupyterhub auth mode runs under a JupyterHub spawner")
            return value

        client_id = need("JUPYTERHUB_CLIENT_ID")
        api_token = need("JUPYTERHUB_API_TOKEN")
        api_url = need("JUPYTERHUB_API_URL").rstrip("/")
        scopes = parse_scopes(environ.get("JUPYTERHUB_OAUTH_ACCESS_SCOPES", ""))
        if not scopes:
            raise SettingsError("JUPYTERHUB_OAUTH_ACCESS_SCOPES is missing or empty: refusing to start, "
                                "since nobody could be told apart from the server's owner")
        base_url = "/" + environ.get("JUPYTERHUB_BASE_URL", "/").strip("/")
        hub_prefix = base_url.rstrip("/") + "/hub/"
        hub_host = environ.get("JUPYTERHUB_HOST", "").rstrip("/")
        callback_url = environ.get("JUPYTERHUB_OAUTH_CALLBACK_URL") or prefix + "oauth_callback"
        callback_path = urlsplit(callback_url).path
        if not callback_path.startswith(prefix) or callback_path == prefix:
            raise SettingsError(f"JUPYTERHUB_OAUTH_CALLBACK_URL {callback_url!r} is not under the prefix {prefix!r}")
        interval = environ.get("JUPYTERHUB_ACTIVITY_INTERVAL", "")
        try:
            activity_interval = float(interval) if interval else 300.0
        except ValueError as error:
            raise SettingsError(f"JUPYTERHUB_ACTIVITY_INTERVAL: {interval!r} is not a number of seconds") from error
        return cls(
            client_id=client_id,
            api_token=api_token,
            api_url=api_url,
            authorize_url=hub_host + hub_prefix + "api/oauth2/authorize",
            logout_url=hub_host + hub_prefix + "logout",
            callback_url=callback_url,
            callback_route=callback_path[len(prefix):],
            access_scopes=scopes,
            activity_url=environ.get("JUPYTERHUB_ACTIVITY_URL") or None,
            server_name=environ.get("JUPYTERHUB_SERVER_NAME", ""),
            activity_interval=max(activity_interval, 1.0),
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
    if not isinstance(token_scopes, list):
        return False
    return any(scope_grants(str(held), required) for held in token_scopes for required in access_scopes)


def redirect(location: str) -> web.Response:
    """A 302 to return (with cookies set on it), not to raise."""
    return web.Response(status=302, headers={"Location": location})


class JupyterHubAuth(AuthBackend):
    """Sign-in through the hub that spawned this server; owner and permitted admins only."""

    name = "jupyterhub"

    def __init__(self, settings: Settings, sessions: SessionCookies, environ: Mapping[str, str] | None = None):
        super().__init__(settings, sessions)
        import os

        self.hub = HubConfig.from_environ(os.environ if environ is None else environ, settings.prefix)
        self.hub_version: str | None = None
        self._client: aiohttp.ClientSession | None = None
        self._reporter: asyncio.Task | None = None
        self.flows = LoginFlows(sessions, settings.prefix)

    def routes(self) -> list[web.RouteDef]:
        return [web.get(self.hub.callback_route, self.callback), web.get("api", self.api)]

    # --- the sign-in flow ------------------------------------------------------------------------

    async def challenge(self, request: web.Request) -> web.StreamResponse:
        if not wants_html(request):
            return await super().challenge(request)
        prefix = self.settings.prefix
        response = redirect(prefix)  # Location set below, once the state exists
        flow = self.flows.begin(request, response, safe_next(request.path_qs, prefix, prefix), self.hub.callback_url)
        response.headers["Location"] = prepare_grant_uri(
            self.hub.authorize_url, self.hub.client_id, "code", redirect_uri=self.hub.callback_url,
            state=flow.state, code_challenge=flow.code_challenge, code_challenge_method="S256",
        )
        return response

    async def callback(self, request: web.Request) -> web.StreamResponse:
        prefix = self.settings.prefix
        failed = page("Sign-in failed", "")  # only collects the state cookie's removal
        try:
            flow: Flow | None = self.flows.finish(request, failed)
        except FlowError:
            flow = None
        if request.query.get("error"):
            return self._failure(failed, 403, "The hub did not allow this sign-in.")
        if flow is None or not request.query.get("code"):
            return self._failure(failed, 400, "This sign-in link has expired or was already used.")
        try:
            token = await self._token_for_code(request.query["code"], flow.code_verifier)
            user = await self._hub_user(token)
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as error:
            log.warning("sign-in through the hub failed: %s", type(error).__name__)
            return self._failure(failed, 502, "The hub could not confirm who you are.")
        name = user.get("name")
        if not isinstance(name, str) or not name:
            return self._failure(failed, 502, "The hub could not confirm who you are.")
        if not has_access(user.get("scopes"), self.hub.access_scopes):
            response: web.StreamResponse = forbidden(name, prefix)
        else:
            groups = tuple(g for g in user.get("groups") or () if isinstance(g, str))
            principal = Principal(name=name, backend=self.name, groups=groups,
                                  extra={"admin": True} if user.get("admin") else {})
            response = redirect(safe_next(flow.next_url, prefix, prefix))
            self.sessions.write(response, request, principal)
        for name_, morsel in failed.cookies.items():  # carry the state cookie's removal over
            response.cookies[name_] = morsel
        return response

    def _failure(self, carrier: web.Response, status: int, message: str) -> web.Response:
        prefix = html.escape(self.settings.prefix)
        body = f'<h1>Sign-in failed</h1><p>{html.escape(message)}</p><p><a href="{prefix}">Try again</a></p>'
        response = page("Sign-in failed", body, status=status)
        for name, morsel in carrier.cookies.items():
            response.cookies[name] = morsel
        return response

    async def _token_for_code(self, code: str, verifier: str) -> str:
        body = prepare_token_request("authorization_code", code=code, redirect_uri=self.hub.callback_url,
                                     code_verifier=verifier)
        auth = ClientAuth(self.hub.client_id, self.hub.api_token, "client_secret_post")
        url, headers, body = auth.prepare("POST", self.hub.api_url + "/oauth2/token",
                                          {"Content-Type": "application/x-www-form-urlencoded"}, body)
        async with self.client.post(url, data=body.encode(), headers=headers) as response:
            if response.status != 200:
                raise ValueError(f"token endpoint answered {response.status}")
            reply = await response.json()
        return str(reply["access_token"])

    async def _hub_user(self, token: str) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        async with self.client.get(self.hub.api_url + "/user", headers=headers) as response:
            if response.status != 200:
                raise ValueError(f"user endpoint answered {response.status}")
            user = await response.json()
        if not isinstance(user, dict):
            raise ValueError("user endpoint answered no object")
        return user

    async def logout(self, request: web.Request) -> web.StreamResponse:
        response = redirect(self.hub.logout_url)
        self.sessions.clear(response)
        return response

    # --- what the hub asks of a spawned server --------------------------------------------------

    async def api(self, request: web.Request) -> web.StreamResponse:
        """The hub's readiness poll (no credentials): the version header and nothing else."""
        headers = {"X-JupyterHub-Version": self.hub_version} if self.hub_version else {}
        return web.json_response({}, headers=headers)

    @property
    def client(self) -> aiohttp.ClientSession:
        if self._client is None:
            self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15),
                                                 cookie_jar=aiohttp.DummyCookieJar())
        return self._client

    async def on_startup(self, app: web.Application) -> None:
        try:
            async with self.client.get(self.hub.api_url + "/", timeout=aiohttp.ClientTimeout(total=5)) as response:
                self.hub_version = (await response.json()).get("version")
        except (aiohttp.ClientError, TimeoutError, ValueError, AttributeError) as error:
            log.warning("could not read the hub's version from %s: %s", self.hub.api_url, type(error).__name__)
        if self.hub.activity_url:
            self._reporter = asyncio.ensure_future(self._report_activity(app))

    async def on_shutdown(self, app: web.Application) -> None:
        if self._reporter is not None:
            self._reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reporter
        if self._client is not None:
            await self._client.close()

    async def _report_activity(self, app: web.Application) -> None:
        """Tell the hub when this server was last used, at most once per interval, only when it was."""
        activity = app[ACTIVITY]
        reported = 0.0
        while True:
            await asyncio.sleep(self.hub.activity_interval)
            last = activity.last
            if last <= reported:
                continue
            stamp = datetime.fromtimestamp(last, UTC).isoformat().replace("+00:00", "Z")
            body = {"servers": {self.hub.server_name: {"last_activity": stamp}}, "last_activity": stamp}
            try:
                async with self.client.post(self.hub.activity_url, json=body,
                                            headers={"Authorization": f"token {self.hub.api_token}"}) as response:
                    if response.status >= 400:
                        log.warning("the hub refused the activity report: %s", response.status)
                    else:
                        reported = last
            except (aiohttp.ClientError, TimeoutError) as error:
                log.warning("could not report activity to the hub: %s", type(error).__name__)

    def secret_material(self) -> bytes:
        # the spawner gives the same token to every restart of the web process (labdeck run)
        return b"jupyterhub:" + self.hub.api_token.encode()
