"""Where redirects may go (our own paths only), and which hosts are this machine."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def safe_next(target: str | None, prefix: str, default: str) -> str:
    """``target`` when it is a path under ``prefix`` on our own host, else ``default``.

    Refuses absolute URLs, scheme-relative ``//host`` and ``/\\host`` forms,
    control characters, and dot segments that climb out of the prefix.
    """
    if not target or any(ord(c) < 0x20 or c == "\\" for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(prefix) or target.startswith("//"):
        return default
    if any(segment in ("..", ".") for segment in parts.path.split("/")) or "%2e" in parts.path.lower():
        return default
    return target


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
