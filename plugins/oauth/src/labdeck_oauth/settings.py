"""The ``oauth`` settings group, shared by the generic OIDC and the OpenShift backends.

Names, variables and flags are those labdeck used before this package was split out of
core (``LABDECK_OAUTH_*`` plus the older ``OAUTH_*``), so operators' configurations keep
working. Read as ``deck.settings.oauth.<name>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

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
    _setting("username_claim", default="preferred_username",
             help="claim holding the user name shown in labdeck (dots nest); not used to decide who may enter"),
    _setting("user_id_claim", default="sub",
             help="claim holding the user's stable id, which --oauth-allowed-users lists (dots nest); "
                  "never one the user can edit"),
    _setting("groups_claim", default="groups", help="claim holding the user's groups (dots nest)"),
    _setting("allowed_users", type=list, default=(),
             help="users who may enter: their --oauth-user-id-claim (generic mode), their name (OpenShift)"),
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
             help="the callback URL registered at the provider, https://<host><prefix>oauth_callback (required: "
                  "never built from a request's Host)"),
    _setting("logout_url", help="the provider's sign-out page, linked from labdeck's (default: discovered)"),
    _setting("access_cache", type=float, default=60.0,
             help="OpenShift: seconds a role-binding answer is reused"),
    _setting("recheck_interval", type=float, default=300.0,
             help="seconds after which a signed-in user is looked up again at the provider (0: never)"),
    _setting("recheck_grace", type=float, default=1800.0,
             help="seconds a session outlives a re-check the provider does not answer (then: 503 until it does)"),
)


def read_file(path: Path | None, flag: str) -> str | None:
    """A file's text, stripped; a file that cannot be read stops the start, naming the flag."""
    if path is None:
        return None
    try:
        return path.read_text().strip()
    except OSError as error:
        raise SettingsError(f"{flag}: cannot read {path}: {error.strerror}") from None


def callback_route(url: str | None, prefix: str, flag: str, *, absolute: bool = True) -> str:
    """The callback's path relative to ``prefix``, from the callback URL registered at the provider.
    A URL that is missing, not absolute (when ``absolute``) or not under the prefix stops the start."""
    if not url:
        raise SettingsError(f"{flag}: not set. Set it to the callback URL registered at the provider, "
                            f"https://<public host>{prefix}oauth_callback (labdeck does not build it from a "
                            "request's Host header, which whoever sends the request chooses)")
    parts = urlsplit(url)
    if absolute and (parts.scheme not in ("http", "https") or not parts.hostname):
        raise SettingsError(f"{flag}: {url!r} is not an absolute http(s) URL")
    if parts.query or parts.fragment or not parts.path.startswith(prefix) or parts.path == prefix:
        raise SettingsError(f"{flag}: {url!r} is not a path under the prefix {prefix!r}")
    return parts.path[len(prefix):]


def configure_recheck(backend: OAuthCodeFlow, interval: float, grace: float, flag: str) -> None:
    if interval < 0 or grace < 0:
        raise SettingsError(f"{flag}: seconds, 0 or more")
    backend.recheck_interval, backend.recheck_grace = float(interval), float(grace)


def configure_common(backend: OAuthCodeFlow, settings) -> None:
    """What the generic and the OpenShift backend read alike."""
    backend.allowed_users = frozenset(settings.allowed_users)
    backend.allowed_groups = frozenset(settings.allowed_groups)
    backend.endpoint_overrides = {"authorize_url": settings.authorize_url, "token_url": settings.token_url,
                                  "userinfo_url": settings.userinfo_url}
    backend.callback_path = callback_route(settings.redirect_url, backend.prefix,
                                           "--oauth-redirect-url / LABDECK_OAUTH_REDIRECT_URL")
    backend.redirect_url = settings.redirect_url
    backend.logout_url = settings.logout_url
    configure_recheck(backend, settings.recheck_interval, settings.recheck_grace,
                      "--oauth-recheck-interval / --oauth-recheck-grace")
