"""``openshift`` auth: the pod's service account as OAuth client, the user from the cluster,
and "is this user an admin of the project?" from the project's role bindings.

What the original workshop images did, plus admin rights granted through a group.
Chosen by ``OAUTH_SERVICE_ACCOUNT`` (or ``--auth openshift``).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web
from authlib.oauth2.rfc6749 import OAuth2Token

from labdeck import Deck, Principal, SessionCookies, Settings, SettingsError

from .base import OAuthCodeFlow, SignedIn
from .provider import ProviderError, TokenError, request_json, tls_context
from .settings import configure_common

log = logging.getLogger("labdeck.oauth.openshift")

USER_PATH = "/apis/user.openshift.io/v1/users/~"


class ServiceAccount:
    """The service account mounted into the pod (token, namespace, cluster CA)."""

    def __init__(self, name: str, directory: Path, namespace: str | None = None):
        self.name = name
        self.directory = directory
        if namespace is None:
            try:
                namespace = (directory / "namespace").read_text().strip()
            except OSError:
                namespace = None
        if not namespace:
            raise SettingsError(
                f"--oauth-namespace / LABDECK_OAUTH_NAMESPACE: not set, and no service account namespace "
                f"in {directory} (OpenShift mode runs in a pod, or is told the project)"
            )
        self.namespace = namespace
        self.token()  # fail at start, not at the first sign-in

    @property
    def client_id(self) -> str:
        return f"system:serviceaccount:{self.namespace}:{self.name}"

    @property
    def ca_file(self) -> Path:
        return self.directory / "ca.crt"

    def token(self) -> str:
        """Read each time: the kubelet rotates projected service-account tokens."""
        path = self.directory / "token"
        try:
            token = path.read_text().strip()
        except OSError as error:
            raise SettingsError(f"--oauth-serviceaccount-dir: cannot read the service account token {path}: "
                                f"{error.strerror}") from None
        if not token:
            raise SettingsError(f"--oauth-serviceaccount-dir: the service account token {path} is empty")
        return token


def kubernetes_url(explicit: str | None, host: str | None, port: str | None = "443") -> str:
    """``--oauth-kubernetes-url``, else the in-cluster address every pod is given
    (``KUBERNETES_SERVICE_HOST`` and ``_PORT``)."""
    if explicit:
        return explicit.rstrip("/")
    port = port or "443"
    if not host:
        raise SettingsError("--oauth-kubernetes-url / LABDECK_OAUTH_KUBERNETES_URL: not set and not in a pod "
                            "(no KUBERNETES_SERVICE_HOST)")
    return f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"


async def openshift_user(api: str, access_token: str, ssl_context: ssl.SSLContext,
                         backend: str = "openshift") -> Principal:
    """Who owns ``access_token``: ``users/~`` answers with the name and the groups."""
    status, body = await request_json("GET", api + USER_PATH, bearer=access_token, ssl_context=ssl_context)
    if status in (401, 403):
        raise TokenError(f"GET {USER_PATH}: HTTP {status} (the token is not, or no longer, valid)")
    name = body.get("metadata", {}).get("name") if status == 200 and isinstance(body, dict) else None
    if not isinstance(name, str) or not name:
        raise ProviderError(f"GET {USER_PATH}: HTTP {status}, no user name")
    groups = tuple(g for g in (body.get("groups") or ()) if isinstance(g, str))
    return Principal(name=name, backend=backend, groups=groups)


def binding_grants(binding: dict[str, Any], role: str, principal: Principal) -> bool:
    """Does this RoleBinding give ``role`` to the user, directly or through one of their groups?"""
    ref = binding.get("roleRef") or {}
    if ref.get("name") != role or ref.get("kind") not in ("ClusterRole", "Role"):
        return False
    for subject in binding.get("subjects") or ():
        kind, name = subject.get("kind"), subject.get("name")
        if kind == "User" and name == principal.name:
            return True
        if kind == "Group" and name in principal.groups:
            return True
    return False


class ProjectRoleCheck:
    """Reads the project's role bindings with the pod's service account, keeps them
    for ``ttl`` seconds, and says whether a user holds ``role`` there.

    A failed read is not kept: the next request asks again, and until the API
    answers everyone gets a 503 (never a way in).
    """

    def __init__(self, api: str, namespace: str, role: str, token: Callable[[], str],
                 ssl_context: ssl.SSLContext, ttl: float = 60.0):
        self.url = f"{api}/apis/rbac.authorization.k8s.io/v1/namespaces/{quote(namespace, safe='')}/rolebindings"
        self.namespace = namespace
        self.role = role
        self.token = token
        self.ssl_context = ssl_context
        self.ttl = ttl
        self._bindings: list[dict[str, Any]] = []
        self._fetched = -float("inf")
        self._lock = asyncio.Lock()

    async def _current(self) -> list[dict[str, Any]]:
        async with self._lock:
            if time.monotonic() - self._fetched > self.ttl:
                status, body = await request_json("GET", self.url, bearer=self.token(), ssl_context=self.ssl_context)
                if status in (401, 403):
                    raise ProviderError(
                        f"the service account may not list role bindings in project {self.namespace} "
                        f"(HTTP {status}); see the role binding in images/openshift/"
                    )
                if status != 200 or not isinstance(body, dict) or not isinstance(body.get("items"), list):
                    raise ProviderError(f"listing role bindings in project {self.namespace}: HTTP {status}")
                self._bindings = [b for b in body["items"] if isinstance(b, dict)]
                self._fetched = time.monotonic()
            return self._bindings

    async def allows(self, principal: Principal) -> bool:
        return any(binding_grants(b, self.role, principal) for b in await self._current())


class OpenShiftAuth(OAuthCodeFlow):
    """The cluster's OAuth server, the pod's service account as client; only holders of
    ``--oauth-project-role`` in the project (or the allow-lists) get in."""

    name = "openshift"
    order = 20

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return bool(settings.oauth.service_account)

    def __init__(self, deck: Deck, sessions: SessionCookies):
        super().__init__(deck, sessions)
        settings = deck.settings.oauth
        configure_common(self, settings)
        account = ServiceAccount(settings.service_account, settings.serviceaccount_dir, settings.namespace)
        self.api = kubernetes_url(settings.kubernetes_url, settings.kubernetes_service_host,
                                  settings.kubernetes_service_port)
        self.ssl_context = tls_context(account.ca_file, settings.ca_file)
        self.client_id = account.client_id
        self.client_secret = account.token
        self.issuer = self.api
        self.scope = settings.scope if settings.scope is not None else "user:info"
        # as the original images did; and a client id full of ':' is safest outside the Basic header
        self.token_auth_method = settings.token_auth_method or "client_secret_post"
        self.role_check = ProjectRoleCheck(self.api, account.namespace, settings.project_role,
                                           account.token, self.ssl_context, settings.access_cache)
        self.secret_seed = b"oauth-openshift:" + account.token().encode()

    def startup_message(self, url: str) -> str:
        return f"Sign-in with OpenShift (project {self.role_check.namespace}), client {self.client_id}"

    async def lookup_user(self, token: OAuth2Token) -> SignedIn:
        return SignedIn(await openshift_user(self.api, token["access_token"], self.ssl_context, self.name))

    async def allow(self, principal: Principal, request: web.Request) -> bool:
        """The allow-lists first, then the project role; a role check that cannot be made is a 503."""
        if self.listed(principal, request):
            return True
        try:
            allowed = await self.role_check.allows(principal)
        except ProviderError as error:
            log.error("cannot check who may enter: %s", error)
            raise self.unavailable("labdeck cannot check who may use this environment right now.") from None
        if not allowed:
            log.info("refused %s (no %s role in project %s)", principal.name, self.role_check.role,
                     self.role_check.namespace)
        return allowed
