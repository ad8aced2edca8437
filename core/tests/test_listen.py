"""Where ``labdeck serve`` listens: a port a browser opens by default, or a unix socket for a server in front."""

import os
import socket
import stat
import tempfile
from pathlib import Path

import aiohttp
import pytest

from labdeck.core_settings import CORE_SETTINGS, finalize_settings, first_free_port
from labdeck.server import BROWSER_BLOCKED_PORTS
from labdeck.settings import check_unique, load_settings
from labdeck_testing import free_port

SPECS = check_unique(CORE_SETTINGS)


def test_default_port_is_one_browsers_open(tmp_path):
    port = finalize_settings(load_settings(SPECS, {}, {"LABDECK_RUNTIME_DIR": str(tmp_path)})).core.port
    assert 8080 <= port < 8100 and port not in BROWSER_BLOCKED_PORTS


def test_a_taken_default_port_moves_on_to_the_next_free_one():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", free_port()))
        taken.listen()
        busy = taken.getsockname()[1]
        assert first_free_port("127.0.0.1", busy) != busy
    assert first_free_port("127.0.0.1", busy) == busy  # free again


def test_a_given_port_is_kept(tmp_path):
    env = {"LABDECK_PORT": "9123", "LABDECK_RUNTIME_DIR": str(tmp_path)}
    assert finalize_settings(load_settings(SPECS, {}, env)).core.port == 9123


def socket_server(labdeck_server, folder, *args):
    path = folder / "labdeck.sock"
    server = labdeck_server(args=["--socket", str(path), "--auth", "none", "--plugins", "none-such",
                                  "--prefix", "/user/alice/workshop/", *args])
    return server, path


async def get(path, url, **headers):
    async with aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=str(path))) as session:
        async with session.get(url, headers=headers, allow_redirects=False) as response:
            return response.status, await response.text()


async def test_serves_on_a_unix_socket_under_its_prefix(labdeck_server, tmp_path):
    server, path = socket_server(labdeck_server, tmp_path)
    assert server.url.startswith("http+unix://") and server.url.endswith("/user/alice/workshop/")
    # the Host a browser used is the business of the server in front (Jupyter checks its own)
    status, body = await get(path, "http://localhost/user/alice/workshop/-/health", Host="jupyter.example.org:8888")
    assert status == 200 and '"status": "ok"' in body


def test_socket_is_for_its_owner_only(labdeck_server, tmp_path):
    _, path = socket_server(labdeck_server, tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")
def test_another_local_user_cannot_connect_to_the_socket(labdeck_server):
    # even in a folder everyone may enter (pytest's tmp_path is not one), the socket itself refuses
    with tempfile.TemporaryDirectory(dir="/tmp") as name:
        folder = Path(name)
        folder.chmod(0o755)
        umask = os.umask(0)  # and labdeck started with a umask that would leave the socket open to all
        try:
            _, path = socket_server(labdeck_server, folder)
        finally:
            os.umask(umask)
        assert other_user_connects(path) == "refused"


def other_user_connects(path: Path) -> str:
    """As user nobody, in a child process: ``connected`` or ``refused`` (EACCES, before labdeck sees anything)."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        answer = b"error"
        try:
            os.setgid(65534)
            os.setuid(65534)
            with socket.socket(socket.AF_UNIX) as client:
                client.connect(str(path))
            answer = b"connected"
        except PermissionError:
            answer = b"refused"
        finally:
            os.write(write, answer)
            os._exit(0)
    os.waitpid(child, 0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        return pipe.read().decode()
