"""labdeck: a small auth proxy that serves workshop plugins under one prefix. The names below
are the whole public API (checked by a test); test helpers are ``labdeck-testing``.

They live in ``labdeck.api`` and are imported at their first use (PEP 562), so that ``labdeck
serve`` can pause the garbage collector before aiohttp and the plugins load (__main__.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import *  # noqa: F403

__version__ = "0.2.0"

#: the public API; each name but ``__version__`` is one of labdeck.api's
_PUBLIC = frozenset({
    "AuthBackend", "Command", "Deck", "Principal", "ProgramSpec", "ProxySpec", "SessionCookies", "Setting",
    "Settings", "SettingsError", "SettingsGroup", "forbidden", "hookimpl", "hookspec", "is_loopback", "page",
    "parse_bool", "parse_list", "safe_next", "wants_html",
})
__all__ = sorted({*_PUBLIC, "__version__"})


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'labdeck' has no attribute {name!r}")
    from . import api

    globals().update((public, getattr(api, public)) for public in _PUBLIC)
    return globals()[name]
