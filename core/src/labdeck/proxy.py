"""Reverse proxy for HTTP and WebSocket, one handler for both (as jupyter-server-proxy does)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from ssl import SSLContext
from urllib.parse import urlsplit

import aiohttp
import httptools
from aiohttp import WSMsgType, web
from multidict import CIMultiDict

from .deck import DECK, PRINCIPAL
from .pages import upstream_unavailable
from .specs import ProxySpec
from .upstream import LeanPool, LeanResponse
from .urls import has_dot_segment, trusted

log = logging.getLogger("labdeck.proxy")

#: the WebSockets open through the proxy, closed together when the app stops
WEBSOCKETS = web.AppKey("labdeck.websockets", set)

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
                        "trailers", "transfer-encoding", "upgrade", "proxy-connection"})
# what we never send upstream: hop-by-hop, our own credentials, a length we do not forward as is
NOT_UPSTREAM = HOP_BY_HOP | {"host", "authorization", "content-length"}
NOT_DOWNSTREAM = HOP_BY_HOP | {"content-length"}
# WebSocket handshake headers: aiohttp's client makes its own.
WS_HANDSHAKE = frozenset({"sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
                          "sec-websocket-protocol", "sec-websocket-accept"})
# what a client says of where a request came from, believed only from LABDECK_TRUSTED_PROXIES
CLIENT_FORWARDING = frozenset({"x-forwarded-for", "x-real-ip", "forwarded", "x-forwarded-port"})
SMALL_BODY = 256 * 1024
#: the largest WebSocket message held, each way (Butterfly's screens are a few MiB); past it, close 1009
WS_MAX_MESSAGE = 16 * 1024 * 1024
#: seconds between looks at whether an open WebSocket's sign-in still holds
SIGNED_IN_RECHECK = 30.0


def connection_tokens(headers: CIMultiDict | Iterable) -> set[str]:
    tokens: set[str] = set()
    for value in headers.getall("Connection", ()):
        tokens.update(t.strip().lower() for t in value.split(",") if t.strip())
    return tokens


def without(headers: CIMultiDict | Iterable, names: frozenset[str]) -> CIMultiDict:
    """A copy of ``headers`` without ``names``, nor any header their ``Connection`` names."""
    kept = CIMultiDict(headers)
    for name in names | connection_tokens(kept) if "Connection" in kept else names:
        kept.popall(name, None)
    return kept


def strip_cookies(cookie_header: str, is_ours) -> str:
    kept = [part for part in cookie_header.split(";") if part.strip() and not is_ours(part.split("=", 1)[0].strip())]
    return ";".join(kept).strip()


def is_labdeck_cookie(name: str) -> bool:
    return name.startswith("labdeck-")


def allow_framing(headers: CIMultiDict) -> None:
    """Drop an upstream's refusal to be framed; the rest of its CSP stays."""
    headers.popall("X-Frame-Options", None)
    for policy in headers.popall("Content-Security-Policy", ()):
        kept = [d for d in policy.split(";") if d.strip() and d.split()[0].lower() != "frame-ancestors"]
        if kept:
            headers.add("Content-Security-Policy", ";".join(kept).strip())


class Route:
    """A ``ProxySpec`` bound to its public path."""

    def __init__(self, spec: ProxySpec, public_path: str):
        self.spec = spec
        self.public_path = public_path  # "/prefix/terminal/"
        up = urlsplit(spec.upstream)
        self.upstream_origin = f"{up.scheme}://{up.netloc}"
        self.upstream_base = up.path if up.path.endswith("/") else up.path + "/"
        self.ssl: SSLContext | bool = True if spec.ssl is None else spec.ssl
        #: (host, port) for the lean client, which speaks plain http only
        self.lean_address: tuple[str, int] | None = (up.hostname or "localhost", up.port or 80) \
            if up.scheme == "http" else None

    def upstream_url(self, request: web.Request) -> str:
        path = request.raw_path
        if not self.spec.keep_path:
            rest = path[len(self.public_path):] if path.startswith(self.public_path) else path.lstrip("/")
            path = self.upstream_base + rest
        return self.upstream_origin + path

    def public_location(self, location: str) -> str:
        """An upstream redirect target, as the browser must see it."""
        if location.startswith(self.upstream_origin + "/"):
            location = location[len(self.upstream_origin):]
        elif urlsplit(location).netloc or not location.startswith("/"):
            return location
        if self.spec.keep_path:
            return location
        if location.startswith(self.upstream_base):
            return self.public_path + location[len(self.upstream_base):]
        return location

    def public_set_cookie(self, header: str) -> str | None:
        """An upstream ``Set-Cookie`` as the browser must see it: no ``Domain``, ``Path`` mapped into
        ours; None for a cookie named like ours (an upstream must not replace labdeck's session)."""
        name, _, rest = header.partition(";")
        if is_labdeck_cookie(name.split("=", 1)[0].strip()):
            return None
        attributes = []
        for attribute in rest.split(";"):
            key, _, value = attribute.partition("=")
            key = key.strip().lower()
            if key == "domain" or not key:
                continue
            if key == "path" and not self.spec.keep_path:
                attribute = " Path=" + self.public_cookie_path(value.strip())
            attributes.append(attribute)
        return ";".join([name, *attributes])

    def public_cookie_path(self, path: str) -> str:
        if path.startswith(self.upstream_base):
            return self.public_path + path[len(self.upstream_base):]
        if path + "/" == self.upstream_base:
            return self.public_path.rstrip("/")
        return self.public_path


class Proxy:
    """Pooled upstream connections and the proxy handler."""

    def __init__(self, *, timeout: float, connect_retry: float, trusted_proxies: tuple[str, ...] = (),
                 signed_in: Callable[[web.Request], Awaitable[bool]] | None = None):
        self.signed_in = signed_in  #: does the request's sign-in still hold (app.py)
        self.timeout = timeout
        self.trusted_proxies = trusted_proxies
        self.connect_retry = connect_retry
        self._sessions: dict[str | None, aiohttp.ClientSession] = {}
        self._lean = LeanPool()

    def _session(self, unix_socket: str | None) -> aiohttp.ClientSession:
        session = self._sessions.get(unix_socket)
        if session is None:
            connector = aiohttp.UnixConnector(path=unix_socket, limit=0) if unix_socket \
                else aiohttp.TCPConnector(limit=0, ttl_dns_cache=300)
            session = aiohttp.ClientSession(connector=connector, auto_decompress=False,
                                            cookie_jar=aiohttp.DummyCookieJar(), skip_auto_headers=("User-Agent",))
            self._sessions[unix_socket] = session
        return session

    async def close(self) -> None:
        self._lean.close()
        for session in self._sessions.values():
            await session.close()
        self._sessions.clear()

    def forward_headers(self, request: web.Request, route: Route) -> CIMultiDict:
        via_proxy = trusted(request.remote, self.trusted_proxies)
        headers = without(request.headers, NOT_UPSTREAM if via_proxy else NOT_UPSTREAM | CLIENT_FORWARDING)
        if "Cookie" in headers:
            kept = strip_cookies("; ".join(headers.popall("Cookie")), is_labdeck_cookie)
            if kept:
                headers["Cookie"] = kept
        forwarded_for, remote = headers.get("X-Forwarded-For"), request.remote or ""
        headers["X-Forwarded-For"] = f"{forwarded_for}, {remote}" if forwarded_for else remote
        headers["X-Forwarded-Proto"] = request.scheme
        headers["X-Forwarded-Host"] = request.host
        headers["X-Forwarded-Prefix"] = route.public_path.rstrip("/")
        if "Origin" in headers:
            # we checked the browser's Origin already; the upstream sees itself as the origin
            headers["Origin"] = route.upstream_origin
        extra = route.spec.headers
        headers.update(extra(request) if callable(extra) else extra)
        return headers

    async def handle(self, request: web.Request, route: Route) -> web.StreamResponse:
        if has_dot_segment(request.raw_path.partition("?")[0]):  # /console/../x must not climb out of /base/
            return web.Response(status=400, text="Dot segments are not allowed in a proxied path.\n")
        if request.headers.get("Upgrade", "").lower() == "websocket" and request.method == "GET":
            return await self._websocket(request, route)
        return await self._http(request, route)

    async def _send(self, request: web.Request, route: Route, headers: CIMultiDict,
                    data: object, deadline: float) -> aiohttp.ClientResponse | LeanResponse:
        """The upstream's answer (aiohttp's or the lean client's, alike where _relay looks), its
        headers by ``deadline`` (the loop's time) or TimeoutError."""
        if data is None and request.method == "GET" and route.lean_address is not None:
            host, port = route.lean_address
            return await self._lean.get(host, port, route.spec.unix_socket,
                                        route.upstream_url(request)[len(route.upstream_origin):], headers, deadline)
        session = self._session(route.spec.unix_socket)
        async with asyncio.timeout_at(deadline):
            return await session.request(request.method, route.upstream_url(request), headers=headers, data=data,
                                         allow_redirects=False, ssl=route.ssl)

    async def _http(self, request: web.Request, route: Route) -> web.StreamResponse:
        headers = self.forward_headers(request, route)
        data = request.content if request.body_exists else None
        retry_until = time.monotonic() + self.connect_retry
        timeout = route.spec.timeout or self.timeout
        while True:
            try:
                answer_by = asyncio.get_running_loop().time() + timeout
                upstream = await self._send(request, route, headers, data, answer_by)
                break
            except TimeoutError:
                return upstream_unavailable(self._what(route), 504, f"No answer within {timeout:g} seconds.")
            except (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError) as error:
                return self._tls_failed(route, error)
            except (aiohttp.ClientConnectorError, aiohttp.ServerDisconnectedError, OSError) as error:
                if data is None and time.monotonic() < retry_until:
                    await asyncio.sleep(0.2)
                    continue
                log.warning("upstream %s unreachable: %s", route.spec.upstream, type(error).__name__)
                return upstream_unavailable(self._what(route), 502, "The program behind this page is not running.")
            except (aiohttp.ClientError, httptools.HttpParserError, ValueError) as error:
                log.warning("upstream %s failed: %s", route.spec.upstream, type(error).__name__)
                return upstream_unavailable(self._what(route), 502, "The program behind this page failed to answer.")
        try:
            return await self._relay(request, route, upstream)
        finally:
            upstream.release()

    async def _relay(self, request: web.Request, route: Route, upstream: aiohttp.ClientResponse) -> web.StreamResponse:
        headers = without(upstream.headers, NOT_DOWNSTREAM)
        if "Location" in headers:
            headers["Location"] = route.public_location(headers["Location"])
        if route.spec.allow_framing:
            allow_framing(headers)
        if "Set-Cookie" in headers:
            for cookie in headers.popall("Set-Cookie"):
                public = route.public_set_cookie(cookie)
                if public is not None:
                    headers.add("Set-Cookie", public)
        length = upstream.content_length
        if length is not None and length <= SMALL_BODY:
            try:
                body = await upstream.read()
            except (ConnectionError, aiohttp.ClientPayloadError):
                return upstream_unavailable(self._what(route), 502, "The program behind this page stopped mid-answer.")
            response = web.Response(status=upstream.status, reason=upstream.reason, headers=headers, body=body)
            if "Content-Type" not in upstream.headers:
                response.headers.pop("Content-Type", None)
            return response
        response = web.StreamResponse(status=upstream.status, reason=upstream.reason, headers=headers)
        if length is not None:
            response.content_length = length
        await response.prepare(request)
        try:
            async for chunk in upstream.content.iter_any():
                await response.write(chunk)
            await response.write_eof()
        except (ConnectionError, aiohttp.ClientPayloadError):  # the browser, or the upstream, left mid-answer
            log.debug("%s: answer cut short", request.path)
        return response

    async def _websocket(self, request: web.Request, route: Route) -> web.StreamResponse:
        headers = self.forward_headers(request, route)
        headers = CIMultiDict((k, v) for k, v in headers.items() if k.lower() not in WS_HANDSHAKE)
        protocols = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]
        session = self._session(route.spec.unix_socket)
        url = route.upstream_url(request)
        deadline = time.monotonic() + self.connect_retry
        while True:
            try:
                upstream = await session.ws_connect(
                    url, headers=headers, protocols=protocols, max_msg_size=WS_MAX_MESSAGE, autoping=True,
                    autoclose=False, timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=2.0), compress=0,
                    ssl=route.ssl)
                break
            except (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError) as error:
                return self._tls_failed(route, error)
            except aiohttp.WSServerHandshakeError as error:
                return web.Response(status=error.status if error.status >= 400 else 502,
                                    text=f"Upstream refused the WebSocket ({error.status}).\n")
            except (aiohttp.ClientConnectorError, aiohttp.ServerDisconnectedError):
                if time.monotonic() < deadline:
                    await asyncio.sleep(0.2)
                    continue
                return upstream_unavailable(self._what(route), 502, "The program behind this page is not running.")
        protocols = (upstream.protocol,) if upstream.protocol else ()
        ws = web.WebSocketResponse(protocols=protocols, max_msg_size=WS_MAX_MESSAGE, autoping=True, autoclose=False,
                                   compress=False, heartbeat=None)
        await ws.prepare(request)
        registry = request.config_dict[WEBSOCKETS]
        registry.add(ws)
        guard = self._until_signed_out(request, ws) if self.signed_in and PRINCIPAL in request else None
        try:
            await _pump_both(ws, upstream, request.config_dict[DECK].activity.touch, guard)
        finally:
            registry.discard(ws)
            await upstream.close()
            await ws.close()
        return ws

    async def _until_signed_out(self, request: web.Request, ws: web.WebSocketResponse) -> None:
        """A socket must not keep the shell behind it once its session ends (signed out, expired,
        revoked by the hub or the provider): closed 1008 at the next look."""
        while True:
            await asyncio.sleep(SIGNED_IN_RECHECK)
            if not await self.signed_in(request):
                await ws.close(code=aiohttp.WSCloseCode.POLICY_VIOLATION, message=b"signed out")
                return

    def _tls_failed(self, route: Route, error: Exception) -> web.Response:
        """Retrying cannot fix a certificate: say so at once."""
        log.warning("upstream %s: TLS failed: %s", route.spec.upstream, error)
        return upstream_unavailable(self._what(route), 502, "Its TLS certificate could not be verified (see the log).")

    @staticmethod
    def _what(route: Route) -> str:
        return route.public_path.strip("/").rsplit("/", 1)[-1].capitalize() or "The upstream"


async def _pump(source, sink, touch: Callable[[], None]) -> None:
    async for msg in source:
        touch()  # traffic either way is use: typing, and a command's output being watched
        if msg.type == WSMsgType.TEXT:
            await sink.send_str(msg.data)
        elif msg.type == WSMsgType.BINARY:
            await sink.send_bytes(msg.data)
        elif msg.type == WSMsgType.CLOSE:
            await sink.close(code=source.close_code or 1000, message=msg.extra.encode() if msg.extra else b"")
            return
        elif msg.type == WSMsgType.ERROR:  # e.g. 1009, a message over WS_MAX_MESSAGE: say so to the other side
            await sink.close(code=source.close_code or 1011)
            return
    await sink.close(code=source.close_code or 1000)


async def _pump_both(browser, upstream, touch: Callable[[], None], guard: Awaitable | None = None) -> None:
    tasks = [asyncio.ensure_future(_pump(browser, upstream, touch)),
             asyncio.ensure_future(_pump(upstream, browser, touch)), *([asyncio.ensure_future(guard)] if guard else [])]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
