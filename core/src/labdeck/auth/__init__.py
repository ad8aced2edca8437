"""Sign-in: the backend base class, session cookies, and the choice of one backend at start."""

from __future__ import annotations

import hashlib
import secrets

import pluggy

from ..deck import Deck
from ..plugins import PluginError, collect
from ..settings import Settings, SettingsError
from ..urls import is_loopback
from .base import AuthBackend
from .session import SessionCookies

__all__ = ["AuthBackend", "SessionCookies", "available_backends", "choose_backend", "make_auth_backend"]


def available_backends(pm: pluggy.PluginManager) -> dict[str, type[AuthBackend]]:
    """Every backend a plugin registers (core's own ``auth`` plugin included), by name."""
    backends: dict[str, type[AuthBackend]] = {}
    for plugin, backend in collect(pm, "register_auth_backends", type):
        if not issubclass(backend, AuthBackend):
            raise PluginError(f"plugin {plugin!r}: register_auth_backends returned {backend!r}, not an AuthBackend")
        if backend.name in backends:
            raise PluginError(f"plugin {plugin!r}: auth backend {backend.name!r} exists already")
        backends[backend.name] = backend
    return backends


def choose_backend(settings: Settings, backends: dict[str, type[AuthBackend]]) -> type[AuthBackend]:
    """The explicit ``--auth``, else the configured backend of lowest ``order``, else token (which
    refuses a non-loopback address: a token in a URL is for one person on their own machine)."""
    core = settings.core
    if core.auth:
        if core.auth not in backends:
            raise SettingsError(
                f"--auth / LABDECK_AUTH: unknown auth mode {core.auth!r}; known: {', '.join(sorted(backends))}")
        return backends[core.auth]
    configured = sorted((b for b in backends.values() if b.configured(settings)), key=lambda b: (b.order, b.name))
    if configured:
        return configured[0]
    if core.service_url is None and not is_loopback(core.host):
        raise SettingsError(
            f"--host / LABDECK_HOST: refusing to listen on {core.host} with no auth configured. "
            "Set AUTH_USERNAME and AUTH_PASSWORD (Basic auth), or choose --auth token, "
            "or --auth none if something in front of labdeck does the auth."
        )
    return backends["token"]


def cookie_secret(settings: Settings, backend: AuthBackend) -> bytes:
    """``LABDECK_COOKIE_SECRET``, else derived from the backend's stable secret
    (sessions survive a restart of the web process), else random."""
    if settings.core.cookie_secret:
        return settings.core.cookie_secret.encode()
    material = backend.secret_material()
    if material:
        return hashlib.sha256(b"labdeck-cookie-key\0" + material).digest()
    return secrets.token_bytes(32)


def make_auth_backend(deck: Deck, pm: pluggy.PluginManager) -> AuthBackend:
    backend_class = choose_backend(deck.settings, available_backends(pm))
    # the cookie key may derive from the backend's secret: it is set once the backend exists
    core = deck.settings.core
    sessions = SessionCookies(deck.prefix, core.session_max_age, revoked_file=core.runtime_dir / "revoked-sessions")
    backend = backend_class(deck, sessions)
    sessions.set_secret(cookie_secret(deck.settings, backend))
    return backend
