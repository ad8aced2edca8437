"""Guessing a password or a token is slowed down per client address; the real attendee waits
a minute at most, and a success forgets the failures. Refused tries are logged, never the guess."""

import base64
import logging

import pytest

from labdeck.auth import base
from labdeck_testing import TEST_TOKEN


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


class Clock:
    now = 1_000_000.0

    @classmethod
    def time(cls) -> float:
        return cls.now


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(base, "time", Clock)
    return Clock


async def test_basic_password_guessing_is_throttled(labdeck_client, clock, caplog):
    client = await labdeck_client(auth_username="eve", auth_password="s3cret")
    caplog.set_level(logging.WARNING, "labdeck.auth")
    for n in range(base.Throttle.FREE):
        assert (await client.get("/", headers=basic("eve", f"guess-{n}"))).status == 401
    refused = await client.get("/", headers=basic("eve", "s3cret"))  # even the right one, while it waits
    assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
    clock.now += base.Throttle.CAP
    assert (await client.get("/", headers=basic("eve", "s3cret"))).status == 200
    assert (await client.get("/", headers=basic("eve", "wrong"))).status == 401  # a success started afresh
    assert "127.0.0.1 as 'eve'" in caplog.text and "refused" in caplog.text
    assert "guess-" not in caplog.text and "s3cret" not in caplog.text


async def test_token_guessing_is_throttled_and_the_wait_is_capped(labdeck_client, clock):
    client = await labdeck_client()
    for n in range(base.Throttle.FREE + 20):
        clock.now += base.Throttle.CAP + 1  # wait out each refusal: the wait grows, up to the cap
        await client.get(f"/?token=guess{n}", allow_redirects=False)
    assert (await client.post("/-/login", data={"token": TEST_TOKEN})).status == 429
    assert (await client.get("/", headers={"Authorization": f"token {TEST_TOKEN}"})).status == 429
    clock.now += base.Throttle.CAP
    assert (await client.get(f"/?token={TEST_TOKEN}", allow_redirects=False)).status == 302


async def test_one_guesser_does_not_lock_out_others(labdeck_client, clock):
    client = await labdeck_client(trusted_proxies=("127.0.0.1",))
    for n in range(base.Throttle.FREE + 1):
        await client.get(f"/?token=guess{n}", headers={"X-Forwarded-For": "203.0.113.9"}, allow_redirects=False)
    guesser = await client.get(f"/?token={TEST_TOKEN}", headers={"X-Forwarded-For": "203.0.113.9"})
    assert guesser.status == 429
    other = await client.get(f"/?token={TEST_TOKEN}", headers={"X-Forwarded-For": "198.51.100.1"},
                             allow_redirects=False)
    assert other.status == 302
