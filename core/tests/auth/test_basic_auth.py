import base64

import pytest


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
async def client(labdeck_client):
    return await labdeck_client(auth_username="eve", auth_password="s3cret")


async def test_right_credentials_get_in(client):
    assert (await client.get("/", headers=basic("eve", "s3cret"))).status == 200


@pytest.mark.parametrize(("user", "password"), [("eve", "wrong"), ("bob", "s3cret"), ("eve", ""), ("", "")])
async def test_wrong_credentials_are_challenged(client, user, password):
    response = await client.get("/", headers=basic(user, password))
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


async def test_malformed_header_is_401_not_500(client):
    for header in ("Basic !!!", "Basic", "Basic " + base64.b64encode(b"no-colon").decode()):
        assert (await client.get("/", headers={"Authorization": header})).status == 401


async def test_star_username_means_no_auth(labdeck_client):
    client = await labdeck_client(auth_username="*")
    assert (await client.get("/")).status == 200
