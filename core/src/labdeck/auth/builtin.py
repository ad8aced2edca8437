"""Core's own sign-in backends, registered as a plugin (``auth``) like any other's."""

from __future__ import annotations

from ..hookspecs import hookimpl
from ..settings import Setting
from .basic import BasicAuth
from .none import NoAuth
from .token import TokenAuth


@hookimpl
def register_auth_backends():
    return [TokenAuth, BasicAuth, NoAuth]


@hookimpl
def register_settings():
    return [
        Setting("username", env="AUTH_USERNAME", flag="--auth-username",
                help="user name for Basic auth ('*' turns auth off, as in the original images)"),
        Setting("password", env="AUTH_PASSWORD", flag="--auth-password", secret=True,
                help="password for Basic auth"),
        Setting("token", env="LABDECK_TOKEN", flag="--token", secret=True,
                help="login token for token auth (default: a random one, printed at start)"),
    ]
