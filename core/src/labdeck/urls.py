"""Where redirects may go (our own paths only), which hosts are this machine, who the client is."""

from __future__ import annotations

import ipaddress
from urllib.parse import unquote, urlsplit


def safe_next(target: str | None, prefix: str, default: str) -> str:
    """``target`` when it is a path under ``prefix`` on our own host, else ``default``: no absolute
    URL, ``//host`` or ``/\\host``, control character, or dot segment."""
    if not target or any(ord(c) < 0x20 or c == "\\" for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(prefix) or target.startswith("//"):
        return default
    return default if has_dot_segment(parts.path) else target


def has_dot_segment(path: str) -> bool:
    """A ``.`` or ``..`` segment, also percent-encoded or between backslashes (checked per proxied request)."""
    return ("." in path or "%" in path or "\\" in path) and any(
        segment in (".", "..") for segment in unquote(path).replace("\\", "/").split("/"))


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    return host == "localhost" or (is_ip(host) and ipaddress.ip_address(host).is_loopback)


def host_name(host: str) -> str:
    """``[::1]:8080`` -> ``::1``, ``Example.org.:80`` -> ``example.org``."""
    if host.startswith("["):
        return host[1:].partition("]")[0].lower()
    return (host.rpartition(":")[0] if host.count(":") == 1 else host).rstrip(".").lower()


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def trusted(remote: str | None, proxies: tuple[str, ...]) -> bool:
    """Did ``remote``, one of ``LABDECK_TRUSTED_PROXIES`` (``*``: every address), send this?"""
    return bool(proxies) and ("*" in proxies or remote in proxies)


def client_address(request, proxies: tuple[str, ...]) -> str:
    """The browser's address: the last ``X-Forwarded-For`` entry when a trusted proxy sent it."""
    remote = request.remote or ""
    if trusted(remote, proxies):
        return request.headers.get("X-Forwarded-For", "").rpartition(",")[2].strip() or remote
    return remote
