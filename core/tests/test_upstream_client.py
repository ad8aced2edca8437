"""The proxy's lean client for body-less GETs, against upstreams that misbehave in the
ways keep-alive connections do."""

import asyncio

import pytest

from labdeck import ProxySpec, hookimpl
from labdeck_testing import labdeck_login


class RawUpstream:
    """An HTTP/1.1 server written by hand, so the test decides exactly what goes on the wire."""

    def __init__(self, answer):
        self.answer = answer
        self.connections = 0
        self.closed = 0
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.requests += 1
                keep = await self.answer(self, head, writer)
                await writer.drain()
                if not keep:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.closed += 1
            writer.close()


@pytest.fixture
async def raw_upstream():
    servers = []

    async def start(answer):
        upstream = RawUpstream(answer)
        server = await asyncio.start_server(upstream.handle, "127.0.0.1", 0)
        servers.append(server)
        upstream.port = server.sockets[0].getsockname()[1]
        return upstream

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def through(labdeck_client, proxy_plugin):
    async def factory(upstream, **settings):
        client = await labdeck_client({"p": proxy_plugin(f"http://127.0.0.1:{upstream.port}/base/")}, **settings)
        await labdeck_login(client)
        return client

    return factory


async def test_keep_alive_connections_are_reused(raw_upstream, through):
    async def answer(upstream, head, writer):
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return True

    upstream = await raw_upstream(answer)
    client = await through(upstream)
    for _ in range(20):
        response = await client.get("/up/x")
        assert await response.text() == "ok"
    assert upstream.requests == 20 and upstream.connections == 1


async def test_an_upstream_that_closes_idle_connections_silently(raw_upstream, through):
    """The pooled connection is dead by the next request: it is retried on a new one."""

    async def answer(upstream, head, writer):
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return False  # closes without saying Connection: close

    upstream = await raw_upstream(answer)
    client = await through(upstream)
    for _ in range(5):
        response = await client.get("/up/x")
        assert response.status == 200 and await response.text() == "ok"
        await asyncio.sleep(0.05)


async def test_chunked_and_close_delimited_bodies_arrive_whole(raw_upstream, through):
    async def answer(upstream, head, writer):
        if b"/chunked" in head:
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
            return True
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"z" * 300_000)
        return False

    upstream = await raw_upstream(answer)
    client = await through(upstream)
    response = await client.get("/up/chunked")
    assert await response.text() == "hello world"
    assert "Transfer-Encoding" not in response.headers or response.headers["Transfer-Encoding"] == "chunked"
    response = await client.get("/up/until-close")
    assert await response.read() == b"z" * 300_000


async def test_garbage_from_upstream_is_a_502(raw_upstream, through):
    async def answer(upstream, head, writer):
        writer.write(b"NOT HTTP AT ALL\r\n\r\n")
        return False

    client = await through(await raw_upstream(answer))
    response = await client.get("/up/x")
    assert response.status == 502


async def test_an_upstream_that_hangs_up_mid_answer_is_a_502_not_a_hang(raw_upstream, through):
    async def answer(upstream, head, writer):
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part")
        return False

    client = await through(await raw_upstream(answer))
    response = await client.get("/up/x")
    assert response.status == 502


async def test_idle_connections_are_capped(raw_upstream, through, monkeypatch):
    from labdeck import upstream as lean

    monkeypatch.setattr(lean, "MAX_IDLE", 2)

    async def answer(upstream, head, writer):
        await asyncio.sleep(0.05)  # slow enough that concurrent requests need connections of their own
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return True

    upstream = await raw_upstream(answer)
    client = await through(upstream)
    await asyncio.gather(*(client.get("/up/x") for _ in range(6)))
    assert upstream.connections == 6
    for _ in range(100):
        if upstream.closed >= 4:
            break
        await asyncio.sleep(0.01)
    assert upstream.closed == 4  # six came back, two were kept
    for _ in range(4):  # sequential: only the kept connections are reused
        assert (await client.get("/up/x")).status == 200
    assert upstream.connections == 6


def hangs_on_slow(release: asyncio.Event, arrived: asyncio.Event | None = None):
    """An upstream that answers at once, except ``/slow``, which waits for ``release``."""

    async def answer(upstream, head, writer):
        if b"/slow" in head:
            if arrived is not None:
                arrived.set()
            await release.wait()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return True

    return answer


async def test_an_upstream_that_never_answers_is_a_504_while_other_requests_are_served(raw_upstream, through):
    release = asyncio.Event()
    client = await through(await raw_upstream(hangs_on_slow(release)), proxy_timeout=0.3)
    slow, quick = await asyncio.gather(client.get("/up/slow"), client.get("/up/x"))
    assert quick.status == 200 and await quick.text() == "ok"
    assert slow.status == 504 and "No answer within 0.3 seconds" in await slow.text()
    release.set()
    again = await client.get("/up/x")  # the timed-out connection is not handed to the next request
    assert again.status == 200 and await again.text() == "ok"


class TwoRoutes:
    """``patient/`` waits 30 s for its upstream, ``up/`` 0.3 s: the same upstream behind both."""

    def __init__(self, upstream: str):
        self.upstream = upstream

    @hookimpl
    def register_proxies(self, deck):
        return [ProxySpec(path="patient/", upstream=self.upstream, timeout=30),
                ProxySpec(path="up/", upstream=self.upstream, timeout=0.3)]


async def test_a_routes_short_timeout_applies_while_a_longer_one_is_waiting(raw_upstream, labdeck_client):
    """One alarm serves every request in flight: a request with a later deadline must not
    put off an earlier one's."""
    release, arrived = asyncio.Event(), asyncio.Event()
    upstream = await raw_upstream(hangs_on_slow(release, arrived))
    client = await labdeck_client({"two": TwoRoutes(f"http://127.0.0.1:{upstream.port}/")})
    await labdeck_login(client)
    patient = asyncio.ensure_future(client.get("/patient/slow"))
    await arrived.wait()
    response = await client.get("/up/slow")
    assert response.status == 504 and "No answer within 0.3 seconds" in await response.text()
    # an alarm left at the patient request's deadline would have ended both at once, there
    assert not patient.done()
    release.set()
    assert (await patient).status == 200
