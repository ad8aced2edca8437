"""``next`` targets outside our own prefix are replaced by the default page."""

import pytest

from labdeck.urls import safe_next
from labdeck_testing import TEST_TOKEN

PAYLOADS = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "/w/../../evil",
    "/w/%2e%2e/x",
    "/other/",
    "javascript:alert(1)",
    "/w/\r\nSet-Cookie: x=1",
    "http:/w/",
]


@pytest.mark.parametrize("target", PAYLOADS)
def test_safe_next_refuses(target):
    assert safe_next(target, "/w/", "/w/") == "/w/"


def test_safe_next_keeps_our_paths():
    assert safe_next("/w/notes/intro?x=1#top", "/w/", "/w/") == "/w/notes/intro?x=1#top"


@pytest.mark.parametrize("target", PAYLOADS)
async def test_login_never_redirects_off_site(labdeck_client, target):
    client = await labdeck_client(prefix="/w/")
    response = await client.post("/w/-/login", data={"token": TEST_TOKEN, "next": target}, allow_redirects=False)
    assert response.headers["Location"] == "/w/"
    response = await client.get("/w/-/login", params={"token": TEST_TOKEN, "next": target}, allow_redirects=False)
    assert response.headers["Location"] == "/w/"
