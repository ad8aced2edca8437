"""Every name of labdeck's public API (``labdeck.__all__``), imported from where it lives: the
package hands them out from here at their first use (``labdeck/__init__.py``)."""
# ruff: noqa: F401
# (each import is re-exported: labdeck/__init__.py hands them out)

from .auth.base import AuthBackend, wants_html
from .auth.session import SessionCookies
from .deck import Deck
from .hookspecs import hookimpl, hookspec
from .pages import forbidden, page
from .settings import Setting, Settings, SettingsError, SettingsGroup, parse_bool, parse_list
from .specs import Command, Principal, ProgramSpec, ProxySpec
from .urls import is_loopback, safe_next
