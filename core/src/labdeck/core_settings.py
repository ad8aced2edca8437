"""The settings core itself reads (group ``core``). Plugins add theirs through ``register_settings``."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from .settings import Setting, Settings, SettingsError


def normalize_prefix(text: str) -> str:
    """``user/alice`` -> ``/user/alice/``; the prefix always starts and ends with ``/``."""
    if any(c in text for c in "?#\\") or "//" in text.strip("/") or ".." in text.split("/"):
        raise ValueError("a prefix is a plain path like /user/alice/")
    return "/" + text.strip("/") + "/" if text.strip("/") else "/"


CORE_SETTINGS: list[Setting] = [
    Setting("host", default="127.0.0.1", help="address to listen on"),
    Setting("port", type=int, default=None, help="port to listen on (default: 8080, or the first free one after it)"),
    Setting("socket", type=Path, default=None, help="unix socket to listen on instead of host and port (made 0600)"),
    Setting("service_url", env="JUPYTERHUB_SERVICE_URL", default=None,
            help="URL to listen on, as JupyterHub gives it (overrides host and port)"),
    Setting("prefix", env=("JUPYTERHUB_SERVICE_PREFIX", "URI_ROOT_PATH"), type=normalize_prefix,
            default="/", help="URL path prefix every page is served under"),
    Setting("auth", default=None,
            help="sign-in backend by name, e.g. token, basic, none, or one a plugin adds "
                 "(default: the first whose configuration is present, else token)"),
    Setting("cookie_secret", default=None, secret=True,
            help="key that signs session cookies (default: derived from the auth secret, else random)"),
    Setting("session_max_age", type=int, default=86400, help="seconds a session cookie stays valid"),
    Setting("default_page", env="DEFAULT_PAGE", help="path (under the prefix) that / redirects to"),
    Setting("log_level", default="info", choices=("debug", "info", "warning", "error"), help="log level"),
    Setting("trusted_proxies", type=list, default=(),
            help="addresses whose X-Forwarded-Proto/Host headers are believed"),
    Setting("allowed_origins", type=list, default=(),
            help="extra origins (scheme://host:port) allowed to open WebSockets and send forms"),
    Setting("allowed_hosts", type=list, default=(),
            help="host names besides localhost that browsers use to reach labdeck; checked when listening "
                 "on loopback or when set (IP addresses always pass)"),
    Setting("frame_ancestors", default="'self'",
            help="Content-Security-Policy frame-ancestors: who may embed labdeck"),
    Setting("proxy_timeout", type=float, default=60.0,
            help="seconds to wait for an upstream's answer before 504"),
    Setting("proxy_connect_retry", type=float, default=5.0,
            help="seconds to keep retrying an upstream that refuses connections (still starting) before 502"),
    Setting("run_programs", type=bool, default=True,
            help="start the plugins' programs as children (off when supervisord runs them)"),
    Setting("runtime_dir", type=Path, default=None,
            help="private folder for sockets and state (default: /tmp/labdeck-<uid>-<port>)"),
    Setting("plugins", type=list, default=None, help="only load these plugins (allow-list)"),
    Setting("disable", type=list, default=(), help="do not load these plugins (same as ENABLE_<NAME>=false)"),
]


def finalize_settings(settings: Settings) -> Settings:
    """Where to listen when JupyterHub says (``JUPYTERHUB_SERVICE_URL``), and the runtime folder's name."""
    core = settings.core
    changes: dict = {}
    if core.service_url:
        url = urlsplit(core.service_url)
        if not url.hostname or not url.port:
            raise SettingsError(f"JUPYTERHUB_SERVICE_URL: {core.service_url!r} has no host and port")
        changes.update(host=url.hostname, port=url.port)
        if not core.trusted_proxies:
            # every request comes through the hub's proxy, from an address that changes with each pod; the
            # browser's scheme and host are only in X-Forwarded-*, which no browser can set itself
            changes["trusted_proxies"] = ("*",)
    port = changes.get("port", core.port)
    if port is None:
        port = changes["port"] = 0 if core.socket else first_free_port(core.host, 8080)
    if not 0 <= port <= 65535:
        raise SettingsError(f"--port / LABDECK_PORT: {port} is not a port number")
    if core.runtime_dir is None:
        # a port chosen by the kernel has no stable name: a folder of this start's own
        name = f"labdeck-{os.getuid()}-{port}" if port else f"labdeck-{os.getuid()}-any-{secrets.token_hex(4)}"
        changes["runtime_dir"] = Path(tempfile.gettempdir()) / name
    return settings.replace(**changes)


def first_free_port(host: str, port: int) -> int:
    """``port``, else the first after it nothing listens on (an author's second labdeck gets 8081)."""
    for candidate in range(port, port + 20):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe, contextlib.suppress(OSError):
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp binds
            probe.bind((host, candidate))
            return candidate
    return port


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` 0700, or refuse one that someone else owns or others can enter."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_uid != os.getuid():
        raise SettingsError(f"--runtime-dir / LABDECK_RUNTIME_DIR: {path} belongs to another user")
    if info.st_mode & 0o077:
        path.chmod(0o700)
    return path
