"""Signed, time-limited session cookies (itsdangerous), one name per prefix."""

from __future__ import annotations

import hashlib
from typing import Any

from aiohttp import web
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..specs import Principal


def cookie_name(prefix: str, kind: str = "session") -> str:
    """A name unique to the prefix, so two instances under one host never share a cookie."""
    return f"labdeck-{kind}-{hashlib.sha256(prefix.encode()).hexdigest()[:12]}"


class SessionCookies:
    """Reads and writes the signed session cookie holding the ``Principal``."""

    def __init__(self, prefix: str, max_age: int, secret: bytes | None = None):
        self.prefix = prefix
        self.max_age = max_age
        self.name = cookie_name(self.prefix)
        self._serializer: URLSafeTimedSerializer | None = None
        if secret is not None:
            self.set_secret(secret)

    def set_secret(self, secret: bytes) -> None:
        """The signing key. Core sets it once the backend exists (the key may derive from the
        backend's own secret); everything holding this object then signs with the real key."""
        self._serializer = URLSafeTimedSerializer(secret, salt=f"labdeck-session:{self.prefix}")

    @property
    def serializer(self) -> URLSafeTimedSerializer:
        if self._serializer is None:
            raise RuntimeError("session cookies used before their key was set")
        return self._serializer

    def sign(self, data: Any, *, salt: str = "") -> str:
        return self.serializer.dumps(data, salt=f"labdeck-session:{self.prefix}{salt}")

    def unsign(self, value: str, max_age: int, *, salt: str = "") -> Any | None:
        """The signed data, or None when it was tampered with, expired or malformed."""
        try:
            return self.serializer.loads(value, max_age=max_age, salt=f"labdeck-session:{self.prefix}{salt}")
        except (BadSignature, ValueError, TypeError):
            return None

    def read(self, request: web.Request) -> Principal | None:
        value = request.cookies.get(self.name)
        data = self.unsign(value, self.max_age) if value else None
        if not isinstance(data, dict) or not isinstance(data.get("u"), str):
            return None
        return Principal(name=data["u"], backend=str(data.get("b", "")), groups=tuple(data.get("g", ())))

    def write(self, response: web.StreamResponse, request: web.Request, principal: Principal) -> None:
        data = {"u": principal.name, "b": principal.backend, "g": list(principal.groups)}
        self.set_cookie(response, request, self.name, self.sign(data), max_age=self.max_age)

    def set_cookie(self, response: web.StreamResponse, request: web.Request, name: str, value: str,
                   *, max_age: int) -> None:
        response.set_cookie(name, value, max_age=max_age, path=self.prefix, httponly=True,
                            samesite="Lax", secure=request.secure)  # https as the browser sees it

    def clear(self, response: web.StreamResponse, name: str | None = None) -> None:
        response.del_cookie(name or self.name, path=self.prefix)
