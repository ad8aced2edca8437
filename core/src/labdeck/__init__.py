"""labdeck: a small auth proxy that serves workshop plugins under one prefix. The names below
are the whole public API (checked by a test); test helpers are ``labdeck-testing``."""

from .auth.base import AuthBackend, wants_html
from .auth.session import SessionCookies
from .deck import Deck
from .hookspecs import hookimpl, hookspec
from .pages import forbidden, page
from .settings import Setting, Settings, SettingsError, SettingsGroup, parse_bool, parse_list
from .specs import Command, Principal, ProgramSpec, ProxySpec
from .urls import is_loopback, safe_next

__version__ = "0.2.0"

__all__ = [
    "AuthBackend", "Command", "Deck", "Principal", "ProgramSpec", "ProxySpec", "SessionCookies", "Setting",
    "Settings", "SettingsError", "SettingsGroup", "__version__", "forbidden", "hookimpl", "hookspec",
    "is_loopback", "page", "parse_bool", "parse_list", "safe_next", "wants_html",
]
