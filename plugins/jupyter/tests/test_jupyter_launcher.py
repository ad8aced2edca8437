"""labdeck behind a real Jupyter server: the launcher entry, the prefix, and refusal without the token."""

import aiohttp
import pytest
from yarl import URL

from labdeck_jupyter.launch import labdeck_command


async def test_launcher_lists_the_workshop(jupyter):
    async with aiohttp.ClientSession(headers={"Authorization": f"token {jupyter.token}"}) as session:
        async with session.get(jupyter.url + "server-proxy/servers-info") as response:
            assert response.status == 200
            [entry] = [s for s in (await response.json())["server_processes"] if s["name"] == "workshop"]
        assert entry["launcher_entry"]["title"] == "Workshop" and entry["launcher_entry"]["path_info"] == "workshop/"
        async with session.get(URL(jupyter.url).join(URL(entry["launcher_entry"]["icon_url"]))) as response:
            assert response.status == 200 and b"<svg" in await response.read()


async def test_the_workshop_is_served_under_the_jupyter_prefix(jupyter):
    async with aiohttp.ClientSession(headers={"Authorization": f"token {jupyter.token}"}) as session:
        async with session.get(jupyter.workshop, allow_redirects=False) as response:
            # labdeck's own redirect, already under <base_url>workshop/ (no rewriting by the proxy)
            assert response.status == 302 and response.headers["Location"] == URL(jupyter.workshop).path + "dashboard/"
        async with session.get(jupyter.workshop + "-/health") as response:
            assert response.status == 200 and "terminal" in (await response.json())["plugins"]


async def test_request_without_the_token_is_refused(jupyter):
    async with aiohttp.ClientSession() as anonymous:
        async with anonymous.get(jupyter.workshop + "dashboard/", allow_redirects=False) as response:
            assert response.status in (302, 403)
            assert "/login" in response.headers.get("Location", "/login")  # Jupyter's sign-in, not labdeck's page
        async with anonymous.get(jupyter.workshop + "-/health", headers={"Authorization": "token wrong"},
                                 allow_redirects=False) as response:
            assert response.status in (302, 403)
        origin = str(URL(jupyter.url).origin())
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await anonymous.ws_connect(jupyter.workshop + "terminal/ws/session/1", headers={"Origin": origin})
        assert refused.value.status == 403


def test_labdeck_is_told_to_listen_on_the_socket_under_the_prefix(tmp_path):
    socket = str(tmp_path / "socket")
    environ = {"WORKSHOP_DIR": "/w", "JUPYTERHUB_SERVICE_PREFIX": "/user/alice/", "JUPYTERHUB_API_TOKEN": "hub's"}
    command, environment = labdeck_command(socket, "/user/alice/", environ)
    flags = dict(zip(command[4::2], command[5::2], strict=True))
    assert flags["--socket"] == socket and flags["--prefix"] == "/user/alice/workshop/"
    assert flags["--auth"] == "none" and flags["--runtime-dir"] == str(tmp_path / "labdeck")
    assert environment == {"WORKSHOP_DIR": "/w"}  # the hub's variables describe the Jupyter server, not labdeck


def test_a_relative_socket_is_refused():
    with pytest.raises(SystemExit, match="absolute socket path"):
        labdeck_command("socket", "/", {})
