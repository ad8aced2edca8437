"""OpenShift: the pod's service account as OAuth client, the user from the cluster, and
"is this user an admin of the project?" from the project's role bindings.

What the original workshop images did, plus admin rights granted through a group.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..settings import SettingsError
from ..specs import Principal
from .oauth_provider import ProviderError, request_json

log = logging.getLogger("labdeck.auth.openshift")

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


def kubernetes_url(explicit: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """``--oauth-kubernetes-url``, else the in-cluster address every pod is given."""
    if explicit:
        return explicit.rstrip("/")
    host = environ.get("KUBERNETES_SERVICE_HOST")
    port = environ.get("KUBERNETES_SERVICE_PORT", "443")
    if not host:
        raise SettingsError("--oauth-kubernetes-url / LABDECK_OAUTH_KUBERNETES_URL: not set and not in a pod "
                            "(no KUBERNETES_SERVICE_HOST)")
    return f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"


async def openshift_user(api: str, access_token: str, ssl_context: ssl.SSLContext) -> Principal:
    """Who owns ``access_token``: ``users/~`` answers with the name and the groups."""
    status, body = await request_json("GET", api + USER_PATH, bearer=access_token, ssl_context=ssl_context)
    name = body.get("metadata", {}).get("name") if status == 200 and isinstance(body, dict) else None
    if not isinstance(name, str) or not name:
        raise ProviderError(f"GET {USER_PATH}: HTTP {status}, no user name")
    groups = tuple(g for g in (body.get("groups") or ()) if isinstance(g, str))
    return Principal(name=name, backend="oauth", groups=groups)


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
