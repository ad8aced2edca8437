"""labdeck: a small auth proxy that serves workshop plugins under one prefix."""

from .hookspecs import hookimpl
from .settings import Setting, Settings, SettingsError
from .specs import Command, Principal, ProgramSpec, ProxySpec, Tab

__version__ = "0.1.0"

__all__ = [
    "Command",
    "Principal",
    "ProgramSpec",
    "ProxySpec",
    "Setting",
    "Settings",
    "SettingsError",
    "Tab",
    "__version__",
    "hookimpl",
    "principal_of",
    "settings_of",
]


def principal_of(request) -> Principal:
    """Who is signed in for this request (set by core's auth middleware)."""
    from .keys import PRINCIPAL

    return request[PRINCIPAL]


def settings_of(request) -> Settings:
    """The ``Settings`` of the labdeck app serving ``request`` (works in plugin sub-apps)."""
    from .keys import SETTINGS

    return request.config_dict[SETTINGS]
