"""Signed, time-limited session cookies (itsdangerous), one name per prefix, revocable."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..specs import Principal

log = logging.getLogger("labdeck.auth")
#: revoked sessions remembered at most; past it, those whose cookies expire first are forgotten
MAX_REVOKED = 4096
#: Cookie headers whose session cookie was verified, remembered at most (then forgotten at once)
MAX_VERIFIED = 64


def cookie_name(prefix: str, kind: str = "session") -> str:
    """A name unique to the prefix, so two instances under one host never share a cookie."""
    return f"labdeck-{kind}-{hashlib.sha256(prefix.encode()).hexdigest()[:12]}"


class SessionCookies:
    """The signed session cookie: the ``Principal`` and a session id. ``revoke(sid)`` refuses a
    session, also after a restart (``revoked_file``); labdeck-oauth's own cookies use it too."""

    def __init__(self, prefix: str, max_age: int, secret: bytes | None = None, revoked_file: Path | None = None):
        self.prefix, self.max_age, self.name = prefix, max_age, cookie_name(prefix)
        self.revoked_file, self._revoked = revoked_file, None
        self._serializer: URLSafeTimedSerializer | None = None
        self._verified: dict[str, tuple[dict, float, Principal]] = {}
        if secret is not None:
            self.set_secret(secret)

    def set_secret(self, secret: bytes) -> None:  # set once the backend exists: the key may derive from its secret
        self._serializer = URLSafeTimedSerializer(secret, salt=f"labdeck-session:{self.prefix}")
        self._verified = {}

    @property
    def serializer(self) -> URLSafeTimedSerializer:
        if self._serializer is None:
            raise RuntimeError("session cookies used before their key was set")
        return self._serializer

    def sign(self, data: Any, *, salt: str = "") -> str:
        return self.serializer.dumps(data, salt=f"labdeck-session:{self.prefix}{salt}")

    def unsign(self, value: str, max_age: int, *, salt: str = "", timestamped: bool = False) -> Any | None:
        """The signed data (with when it was signed, a datetime, if ``timestamped``), or None when it
        was tampered with, expired or malformed."""
        try:
            return self.serializer.loads(value, max_age=max_age, salt=f"labdeck-session:{self.prefix}{salt}",
                                         return_timestamp=timestamped)
        except (BadSignature, ValueError, TypeError):
            return None

    def _data(self, request: web.Request) -> dict | None:
        known = self._session(request)
        return known and known[0]

    def _session(self, request: web.Request) -> tuple[dict, float, Principal] | None:
        """The session of the request's cookie (its data, when it was signed, who it is): signed by
        us, not expired, not revoked.

        Every request of a page's traffic, proxied ones included, carries the same Cookie header:
        its session is verified by its signature once, then by its age and revocation from
        ``_verified`` (parsing the header and checking the signature were 19 µs of a proxied small
        GET's 110, docs/benchmarks.md). A header is only remembered once its cookie verified."""
        header = request.headers.get("Cookie")
        if not header:
            return None
        if (known := self._verified.get(header)) is None:
            known = self._verify(request.cookies.get(self.name))
            if known is None:
                return None
            if len(self._verified) >= MAX_VERIFIED:
                self._verified.clear()
            self._verified[header] = known
        data, signed, _ = known
        age = time.time() - signed
        return known if 0 <= age <= self.max_age and not self.is_revoked(data["s"]) else None

    def _verify(self, value: str | None) -> tuple[dict, float, Principal] | None:
        """The session data, when it was signed and its principal, if ``value`` is a session cookie of ours."""
        if not value or (unsigned := self.unsign(value, self.max_age, timestamped=True)) is None:
            return None
        data, signed = unsigned
        if not (isinstance(data, dict) and isinstance(data.get("u"), str) and isinstance(data.get("s"), str)):
            return None
        principal = Principal(name=data["u"], backend=str(data.get("b", "")), groups=tuple(data.get("g", ())))
        return data, signed.timestamp(), principal

    def read(self, request: web.Request) -> Principal | None:
        known = self._session(request)
        return known and known[2]

    def write(self, response: web.StreamResponse, request: web.Request, principal: Principal) -> None:
        data = {"u": principal.name, "b": principal.backend, "g": list(principal.groups), "s": secrets.token_hex(12)}
        self.set_cookie(response, request, self.name, self.sign(data), max_age=self.max_age)

    def end(self, request: web.Request, response: web.StreamResponse) -> None:
        """Sign out: this request's session is revoked (its cookie, even copied, stops working) and cleared."""
        if (data := self._data(request)) is not None:
            self.revoke(data["s"])
        self.clear(response)

    def set_cookie(self, response: web.StreamResponse, request: web.Request, name: str, value: str,
                   *, max_age: int) -> None:
        response.set_cookie(name, value, max_age=max_age, path=self.prefix, httponly=True,
                            samesite="Lax", secure=request.secure)  # https as the browser sees it

    def clear(self, response: web.StreamResponse, name: str | None = None) -> None:
        response.del_cookie(name or self.name, path=self.prefix)

    def is_revoked(self, sid: str) -> bool:
        if self._revoked is None:  # read once per process, then kept in step
            try:
                self._revoked = {s: float(t) for s, t in json.loads(self.revoked_file.read_text()).items()}
            except (AttributeError, OSError, TypeError, ValueError):
                self._revoked = {}
        return self._revoked.get(sid, 0) > time.time()

    def revoke(self, sid: str, until: float | None = None) -> None:
        """Refuse session ``sid`` until ``until`` (default: until every cookie of now has expired)."""
        now, _ = time.time(), self.is_revoked(sid)
        newest = sorted(((t, s) for s, t in {**self._revoked, sid: until or now + self.max_age}.items() if t > now),
                        reverse=True)[:MAX_REVOKED]
        self._revoked = {s: t for t, s in newest}
        if self.revoked_file is None:
            return
        temporary = self.revoked_file.with_name(f".{self.revoked_file.name}.{os.getpid()}")
        try:
            temporary.write_text(json.dumps(self._revoked))  # in the private runtime folder
            temporary.replace(self.revoked_file)
        except OSError as error:  # a full disk: the session ends all the same, the record keeps what it had
            temporary.unlink(missing_ok=True)
            log.warning("%s not updated (%s): session revoked until a restart", self.revoked_file, error.strerror)
