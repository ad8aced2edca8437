"""Auth backends and the choice of one at start."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Mapping

import pluggy

from ..plugins import PluginError, collect
from ..settings import Settings, SettingsError
from ..urls import is_loopback
from .base import AuthBackend
from .basic import BasicAuth
from .jupyterhub import JupyterHubAuth
from .none import NoAuth
from .oauth import OAuthBackend
from .session import SessionCookies
from .token import TokenAuth

BUILTIN_BACKENDS: tuple[type[AuthBackend], ...] = (TokenAuth, BasicAuth, NoAuth, JupyterHubAuth, OAuthBackend)

__all__ = ["AuthBackend", "SessionCookies", "available_backends", "choose_auth_mode", "make_auth_backend"]


def available_backends(pm: pluggy.PluginManager) -> dict[str, type[AuthBackend]]:
    backends: dict[str, type[AuthBackend]] = {b.name: b for b in BUILTIN_BACKENDS}
    for plugin, backend in collect(pm, "register_auth_backends", type):
        if not issubclass(backend, AuthBackend):
            raise PluginError(f"plugin {plugin!r}: register_auth_backends returned {backend!r}, not an AuthBackend")
        if backend.name in backends:
            raise PluginError(f"plugin {plugin!r}: auth backend {backend.name!r} exists already")
        backends[backend.name] = backend
    return backends


def choose_auth_mode(settings: Settings, environ: Mapping[str, str] | None = None) -> str:
    """The explicit ``--auth``, else what is configured: hub, OAuth, Basic, token.

    Auto-chosen token auth on a non-loopback address refuses to start: a
    token in a URL is for one person on their own machine.
    """
    environ = os.environ if environ is None else environ
    if settings.auth:
        return settings.auth
    if environ.get("JUPYTERHUB_CLIENT_ID"):
        return "jupyterhub"
    if settings.get("oauth_service_account") or settings.get("oauth_client_id") or settings.get("oauth_client_id_file"):
        return "oauth"
    if settings.auth_username == "*":
        return "none"
    if settings.auth_username or settings.auth_password:
        return "basic"
    if settings.service_url is None and not is_loopback(settings.host):
        raise SettingsError(
            f"--host / LABDECK_HOST: refusing to listen on {settings.host} with no auth configured. "
            "Set AUTH_USERNAME and AUTH_PASSWORD (Basic auth), or choose --auth token, "
            "or --auth none if something in front of labdeck does the auth."
        )
    return "token"


def cookie_secret(settings: Settings, backend: AuthBackend) -> bytes:
    """``LABDECK_COOKIE_SECRET``, else derived from the backend's stable secret
    (sessions survive a restart of the web process), else random."""
    if settings.cookie_secret:
        return settings.cookie_secret.encode()
    material = backend.secret_material()
    if material:
        return hashlib.sha256(b"labdeck-cookie-key\0" + material).digest()
    return secrets.token_bytes(32)


def make_auth_backend(settings: Settings, pm: pluggy.PluginManager) -> AuthBackend:
    backends = available_backends(pm)
    mode = choose_auth_mode(settings)
    if mode not in backends:
        raise SettingsError(f"--auth / LABDECK_AUTH: unknown auth mode {mode!r}; known: {', '.join(sorted(backends))}")
    # the cookie key may derive from the backend's secret: it is set once the backend exists
    sessions = SessionCookies(settings)
    backend = backends[mode](settings, sessions)
    sessions.set_secret(cookie_secret(settings, backend))
    return backend
