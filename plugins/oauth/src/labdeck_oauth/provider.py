"""Talking to an OAuth2 / OIDC provider: discovery, code and refresh grants, user lookups.

authlib builds and encodes the protocol messages (grant URI with PKCE, token
requests, client authentication); aiohttp carries them. Tokens pass through
here and are never logged.
"""

from __future__ import annotations

import base64
import json
import logging
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import aiohttp
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749 import OAuth2Token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc8414 import get_well_known_url

from .flow import Flow

log = logging.getLogger("labdeck.oauth")

TIMEOUT = aiohttp.ClientTimeout(total=15)


class ProviderError(Exception):
    """The provider (or the cluster API) could not be reached or gave an unusable answer.
    The message is safe to log and show: it never holds a token."""


class TokenError(ProviderError):
    """The provider refused a code or token: a bad, used or foreign code, a revoked refresh
    token, or (from a user lookup) an access token it no longer accepts."""


def tls_context(*ca_files: Path | None) -> ssl.SSLContext:
    """The system's CAs plus each existing ``ca_files`` (a cluster's CA, a private CA)."""
    context = ssl.create_default_context()
    for path in ca_files:
        if path is not None and Path(path).is_file():
            context.load_verify_locations(cafile=str(path))
    return context


async def request_json(method: str, url: str, *, ssl_context: ssl.SSLContext, bearer: str | None = None,
                       data: str | None = None, headers: Mapping[str, str] | None = None,
                       ok: tuple[int, ...] = (200,)) -> tuple[int, Any]:
    """``(status, JSON body)``; raises ProviderError when unreachable or not JSON.
    A status outside ``ok`` is returned, not raised, so callers can tell 401/403 apart."""
    all_headers = {"Accept": "application/json", **(headers or {})}
    if bearer:
        all_headers["Authorization"] = f"Bearer {bearer}"
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as http, http.request(
            method, url, data=data, headers=all_headers, ssl=ssl_context, allow_redirects=False
        ) as response:
            text = await response.text()
            status = response.status
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        raise ProviderError(f"{method} {url}: {type(error).__name__}: {error}") from None
    try:
        body = json.loads(text) if text.strip() else None
    except ValueError:
        if status in ok:
            raise ProviderError(f"{method} {url}: answer is not JSON (HTTP {status})") from None
        body = None
    return status, body


@dataclass(frozen=True)
class Endpoints:
    """Where the provider's authorization, token and user-info endpoints are."""

    authorize_url: str
    token_url: str
    userinfo_url: str | None = None
    issuer: str | None = None
    end_session_url: str | None = None
    auth_methods: tuple[str, ...] = ()


async def discover(issuer: str, ssl_context: ssl.SSLContext) -> dict[str, Any]:
    """The provider's metadata: OIDC discovery, then RFC 8414 (path inserted after the host)."""
    candidates = [issuer.rstrip("/") + "/.well-known/openid-configuration",
                  get_well_known_url(issuer.rstrip("/"), external=True)]
    problems = []
    for url in candidates:
        try:
            status, body = await request_json("GET", url, ssl_context=ssl_context)
        except ProviderError as error:
            problems.append(str(error))
            continue
        if status == 200 and isinstance(body, dict) and body.get("authorization_endpoint"):
            return body
        problems.append(f"GET {url}: HTTP {status}")
    raise ProviderError("no provider metadata found: " + "; ".join(problems))


def endpoints_from(metadata: Mapping[str, Any], overrides: Mapping[str, str | None]) -> Endpoints:
    """Discovered ``metadata`` with explicitly configured URLs winning."""
    authorize = overrides.get("authorize_url") or metadata.get("authorization_endpoint")
    token = overrides.get("token_url") or metadata.get("token_endpoint")
    if not authorize or not token:
        raise ProviderError("the provider's authorization and token endpoints are not known")
    return Endpoints(
        authorize_url=authorize,
        token_url=token,
        userinfo_url=overrides.get("userinfo_url") or metadata.get("userinfo_endpoint"),
        issuer=metadata.get("issuer"),
        end_session_url=metadata.get("end_session_endpoint"),
        auth_methods=tuple(metadata.get("token_endpoint_auth_methods_supported") or ()),
    )


@dataclass
class OAuthClient:
    """A confidential client of one provider. ``client_secret`` is a callable so a
    rotated secret (an OpenShift service-account token) is read afresh each time."""

    client_id: str
    client_secret: Callable[[], str | None]
    endpoints: Endpoints
    scope: str
    ssl_context: ssl.SSLContext
    auth_method: str | None = None

    def _auth_method(self) -> str:
        if self.auth_method:
            return self.auth_method
        for method in ("client_secret_basic", "client_secret_post"):
            if not self.endpoints.auth_methods or method in self.endpoints.auth_methods:
                return method
        return "client_secret_basic"

    def authorization_url(self, flow: Flow) -> str:
        return prepare_grant_uri(
            self.endpoints.authorize_url, self.client_id, "code", redirect_uri=flow.redirect_uri,
            scope=self.scope or None, state=flow.state,
            code_challenge=flow.code_challenge, code_challenge_method="S256",
        )

    async def _token_request(self, body: str) -> OAuth2Token:
        url = self.endpoints.token_url
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        method = self._auth_method()
        auth = ClientAuth(self.client_id, self.client_secret(),
                          client_secret_basic if method == "client_secret_basic" else method)
        url, headers, body = auth.prepare("POST", url, headers, body)
        status, answer = await request_json("POST", url, data=body, headers=headers, ssl_context=self.ssl_context)
        if status != 200 or not isinstance(answer, dict) or not answer.get("access_token"):
            error = answer.get("error", "") if isinstance(answer, dict) else ""
            detail = answer.get("error_description", "") if isinstance(answer, dict) else ""
            raise TokenError(f"token endpoint answered HTTP {status} {error} {detail}".strip())
        return OAuth2Token(answer)

    async def fetch_token(self, code: str, flow: Flow) -> OAuth2Token:
        """Trade the code for tokens; the verifier proves this client started the flow."""
        body = prepare_token_request("authorization_code", code=code, redirect_uri=flow.redirect_uri,
                                     code_verifier=flow.code_verifier)
        return await self._token_request(body)

    async def refresh(self, refresh_token: str) -> OAuth2Token:
        token = await self._token_request(prepare_token_request("refresh_token", refresh_token=refresh_token))
        token.setdefault("refresh_token", refresh_token)  # a provider may keep the old one valid
        return token


def client_secret_basic(auth: ClientAuth, method: str, uri: str, headers: dict, body: str) -> tuple:
    """HTTP Basic as RFC 6749 2.3.1 says: id and secret form-urlencoded first, so an
    id with ':' in it (``system:serviceaccount:…``) survives."""
    text = f"{quote_plus(auth.client_id)}:{quote_plus(auth.client_secret or '')}"
    headers["Authorization"] = "Basic " + base64.b64encode(text.encode()).decode()
    return uri, headers, body


def claim(claims: Mapping[str, Any], path: str) -> Any:
    """``claims["a"]["b"]`` for ``path`` ``"a.b"`` (Keycloak's ``realm_access.roles``); a
    claim whose name itself has a dot is found first."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def as_groups(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(g.strip() for g in value.split(",") if g.strip())
    if isinstance(value, list | tuple):
        return tuple(str(g) for g in value if isinstance(g, str | int))
    return ()
