"""labdeck-jupyterhub: labdeck as a JupyterHub single-user server.

Every way this plugin plugs into labdeck is on this screen: the ``jupyterhub`` settings
group (the ``JUPYTERHUB_*`` variables the spawner sets), the ``jupyterhub`` sign-in
backend (built on labdeck-oauth's ``OAuthCodeFlow``; it also reports activity to the hub
for its idle culler) and the ``labdeck copy-once SRC DEST`` command a hub's init container
runs. docs/multi-user.md is the operator's guide.
"""

from __future__ import annotations

from labdeck import AuthBackend, Command, Setting, hookimpl

from . import copy_once
from .backend import JupyterHubAuth, has_access, parse_scopes, scope_grants

__version__ = "0.1.0"

__all__ = ["JupyterHubAuth", "has_access", "parse_scopes", "scope_grants"]


@hookimpl
def register_settings() -> list[Setting]:
    # the spawner owns these names; the flags exist for trying things by hand
    return [
        Setting("client_id", env="JUPYTERHUB_CLIENT_ID",
                help="this server's OAuth client id at the hub (chooses the jupyterhub backend)"),
        Setting("api_token", env="JUPYTERHUB_API_TOKEN", secret=True,
                help="this server's token for the hub's API, also its OAuth client secret"),
        Setting("api_url", env="JUPYTERHUB_API_URL", help="the hub's API, e.g. http://hub:8081/hub/api"),
        Setting("base_url", env="JUPYTERHUB_BASE_URL", default="/", help="the hub's base URL path"),
        Setting("host", env="JUPYTERHUB_HOST", default="",
                help="the hub's public scheme://host, when it is not this server's"),
        Setting("oauth_callback_url", env="JUPYTERHUB_OAUTH_CALLBACK_URL",
                help="the OAuth callback as registered with the hub (default: <prefix>oauth_callback)"),
        Setting("oauth_access_scopes", env="JUPYTERHUB_OAUTH_ACCESS_SCOPES",
                help="scopes a signed-in token must hold one of to enter (a JSON list or space-separated)"),
        Setting("activity_url", env="JUPYTERHUB_ACTIVITY_URL", help="where to report this server's activity"),
        Setting("server_name", env="JUPYTERHUB_SERVER_NAME", default="", help="this server's name at the hub"),
        Setting("activity_interval", env="JUPYTERHUB_ACTIVITY_INTERVAL", type=float, default=300.0,
                help="seconds between activity reports (only sent when there was activity)"),
        # labdeck's own (LABDECK_JUPYTERHUB_*): the spawner does not set these
        Setting("recheck_interval", type=float, default=300.0,
                help="seconds after which a signed-in user's token is shown to the hub again (0: never)"),
        Setting("recheck_grace", type=float, default=1800.0,
                help="seconds a session outlives re-checks the hub does not answer (then: 503 until it does)"),
    ]


@hookimpl
def register_auth_backends() -> list[type[AuthBackend]]:
    return [JupyterHubAuth]


@hookimpl
def register_commands() -> list[Command]:
    return [Command("copy-once", "fill a volume from the image's folder, the first time only",
                    copy_once.main, copy_once.configure)]
