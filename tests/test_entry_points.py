"""A plugin found through a real entry point (tests/plugin_example, pip-installed by `make test`),
driven through a real `labdeck serve` process."""

import json
import os
import subprocess
import sys
import urllib.request

import aiohttp
import pytest

from labdeck_testing import free_port


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_plugins_command_lists_the_example():
    out = subprocess.run([sys.executable, "-m", "labdeck", "plugins"], capture_output=True, text=True, check=True)
    assert "example" in out.stdout and "labdeck-example" in out.stdout and "register_proxies" in out.stdout


def test_enable_false_turns_a_plugin_off():
    env = {**os.environ, "ENABLE_EXAMPLE": "false"}
    out = subprocess.run([sys.executable, "-m", "labdeck", "plugins"], capture_output=True, text=True, env=env)
    assert "labdeck-example" not in out.stdout


async def test_route_proxy_and_program_of_an_installed_plugin(labdeck_server):
    port = free_port()
    server = labdeck_server(env={"LABDECK_EXAMPLE_UPSTREAM_PORT": str(port), "LABDECK_EXAMPLE_GREETING": "hi",
                                 "URI_ROOT_PATH": "/ws/"})
    base = server.url
    assert base.endswith("/ws/")
    async with aiohttp.ClientSession() as anonymous:
        async with anonymous.get(base + "example/") as response:
            assert response.status == 401
        async with anonymous.get(base + "-/health") as response:
            assert "example" in (await response.json())["plugins"]
    async with aiohttp.ClientSession(cookies=server.cookies) as session:
        async with session.get(base + "example/") as response:
            assert response.status == 200 and (await response.text()).startswith("hi, ")
        async with session.get(base + "example/") as response:  # the plugin's own sub-app keeps its state
            assert (await response.text()).endswith("(visit 2)")
        async with session.get(base + "upstream/echo?q=1") as response:
            body = await response.json()
            assert body["path"] == "/base/echo?q=1"
            upstream_pid = body["pid"]
        origin = base.split("/ws/")[0]  # a browser's page on our own origin
        async with session.ws_connect(base + "upstream/ws", headers={"Origin": origin}) as ws:
            await ws.send_str("round trip")
            assert await ws.receive_str() == "round trip"
    assert server.stop() == 0
    assert not pid_alive(upstream_pid), "the plugin's program outlived labdeck"
    assert any(line.startswith("example: 2 visit(s) by ") for line in server.output), "its cleanup_ctx did not run"


async def test_an_installed_plugin_adds_a_dashboard_tab_and_a_workshop_variable(labdeck_server, tmp_path):
    (tmp_path / "01-intro.md").write_text("# Intro\n\nThe example says %example_greeting%.\n")
    server = labdeck_server(env={"WORKSHOP_DIR": str(tmp_path), "LABDECK_EXAMPLE_GREETING": "good morning"})
    async with aiohttp.ClientSession(cookies=server.cookies) as session:
        async with session.get(server.url + "dashboard/") as response:
            page = await response.text()
            assert '"name": "Example"' in page and '"url": "/example/"' in page
        async with session.get(server.url + "notes/01-intro") as response:
            assert "The example says good morning." in await response.text()


def test_supervisord_conf_holds_labdeck_and_the_plugin_program(tmp_path):
    env = {**os.environ, "LABDECK_EXAMPLE_UPSTREAM_PORT": "1234", "LABDECK_RUNTIME_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "labdeck", "supervisord-conf"], capture_output=True, text=True,
                         env=env, check=True).stdout
    assert "[program:labdeck]" in out and "--no-run-programs" in out
    assert "[program:example-upstream]" in out and "1234" in out


@pytest.mark.parametrize("path", ["-/health"])
def test_health_through_urllib(labdeck_server, path):
    server = labdeck_server()
    with urllib.request.urlopen(server.url + path) as response:
        assert json.load(response)["status"] == "ok"
