"""The ``oauth`` settings group, shared by the generic OIDC and the OpenShift backends.

Names, variables and flags are those labdeck used before this package was split out of
core (``LABDECK_OAUTH_*`` plus the older ``OAUTH_*``), so operators' configurations keep
working. Read as ``deck.settings.oauth.<name>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from labdeck import Setting, SettingsError

if TYPE_CHECKING:
    from .base import OAuthCodeFlow

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
TOKEN_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


def _setting(name: str, *, legacy: str | None = None, **kwargs) -> Setting:
    """``LABDECK_OAUTH_<NAME>`` (the group's default) and, when given, an older name after it."""
    env = (f"LABDECK_OAUTH_{name.upper()}", legacy) if legacy else None
    return Setting(name, env=env, **kwargs)


OAUTH_SETTINGS: tuple[Setting, ...] = (
    Setting("service_account", env="OAUTH_SERVICE_ACCOUNT", default=None,
            help="OpenShift mode: the service account that is the OAuth client "
                 "(client id system:serviceaccount:<project>:<name>, secret its token)"),
    _setting("client_id", legacy="OAUTH_CLIENT_ID", help="OAuth client id (generic mode)"),
    _setting("client_id_file", legacy="OAUTH_CLIENT_ID_FILE", type=Path, help="file holding the client id"),
    _setting("client_secret", legacy="OAUTH_CLIENT_SECRET", secret=True, help="OAuth client secret"),
    _setting("client_secret_file", legacy="OAUTH_CLIENT_SECRET_FILE", type=Path,
             help="file holding the client secret (read at each use, so it may be rotated)"),
    _setting("issuer", legacy="OAUTH_ISSUER",
             help="provider URL for discovery (.well-known/openid-configuration or oauth-authorization-server)"),
    _setting("authorize_url", help="authorization endpoint (overrides discovery)"),
    _setting("token_url", help="token endpoint (overrides discovery)"),
    _setting("userinfo_url", help="endpoint answering the signed-in user's claims (overrides discovery)"),
    _setting("scope", help="scopes to ask for (default: 'user:info' on OpenShift, else 'openid profile email')"),
    _setting("token_auth_method", choices=TOKEN_AUTH_METHODS,
             help="how the client authenticates at the token endpoint "
                  "(default: post on OpenShift, else from discovery, else basic)"),
    _setting("username_claim", default="preferred_username", help="claim holding the user name (dots nest)"),
    _setting("groups_claim", default="groups", help="claim holding the user's groups (dots nest)"),
    _setting("allowed_users", type=list, default=(), help="user names that may enter"),
    _setting("allowed_groups", type=list, default=(), help="groups whose members may enter"),
    _setting("allow_all", type=bool, default=False,
             help="generic mode: let in everyone the provider signs in (needed when no allow-list is set)"),
    _setting("project_role", default="admin",
             help="OpenShift: the role a user must hold in the project (directly or through a group)"),
    _setting("namespace", help="OpenShift: the project (default: the pod's service account namespace)"),
    _setting("kubernetes_url",
             help="OpenShift: cluster API URL (default: https://KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT)"),
    Setting("kubernetes_service_host", env="KUBERNETES_SERVICE_HOST",
            help="OpenShift: the cluster API's address, as Kubernetes gives it to every pod"),
    Setting("kubernetes_service_port", env="KUBERNETES_SERVICE_PORT", default="443",
            help="OpenShift: the cluster API's port, as Kubernetes gives it to every pod"),
    _setting("serviceaccount_dir", type=Path, default=SERVICE_ACCOUNT_DIR,
             help="OpenShift: where the pod's service account token, namespace and ca.crt are"),
    _setting("ca_file", type=Path, help="extra CA bundle trusted for the provider and the cluster API"),
    _setting("redirect_url",
             help="the callback URL the provider sends users back to (default: <this host><prefix>oauth_callback)"),
    _setting("logout_url", help="the provider's sign-out page, linked from labdeck's (default: discovered)"),
    _setting("access_cache", type=float, default=60.0,
             help="OpenShift: seconds a role-binding answer is reused"),
)


def read_file(path: Path | None, flag: str) -> str | None:
    """A file's text, stripped; a file that cannot be read stops the start, naming the flag."""
    if path is None:
        return None
    try:
        return path.read_text().strip()
    except OSError as error:
        raise SettingsError(f"{flag}: cannot read {path}: {error.strerror}") from None


def configure_common(backend: OAuthCodeFlow, settings) -> None:
    """What the generic and the OpenShift backend read alike."""
    backend.allowed_users = frozenset(settings.allowed_users)
    backend.allowed_groups = frozenset(settings.allowed_groups)
    backend.endpoint_overrides = {"authorize_url": settings.authorize_url, "token_url": settings.token_url,
                                  "userinfo_url": settings.userinfo_url}
    backend.redirect_url = settings.redirect_url
    backend.logout_url = settings.logout_url
