"""The terminal through a real ``labdeck serve``: prefix, proxy, default page, web restarts."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from terminal_helpers import ServerProcess, Term, alive, child_running, short_dir, wait_for

import labdeck_testing

PREFIX = "/user/alice/"


@pytest.fixture
def folder():
    path = short_dir()
    (path / "home").mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(name="free_port")
def free_port_fixture() -> int:
    return labdeck_testing.free_port()


def labdeck_env(folder, **extra: str) -> dict[str, str]:
    return {"LABDECK_RUNTIME_DIR": str(folder), "URI_ROOT_PATH": PREFIX, "TERMINAL_HOME": str(folder / "home"),
            "HOME": str(folder / "home"),  # shells do not run the dotfiles of whoever runs the tests
            "LABDECK_TERMINAL_PROFILE_DIRS": str(folder / "profile.d"), "LABDECK_PLUGINS": "terminal", **extra}


async def test_terminal_only_deployment_lands_on_session_1_and_runs_commands(labdeck_server, folder):
    server = labdeck_server(env=labdeck_env(folder))
    async with aiohttp.ClientSession(cookies=server.cookies) as http:
        home = await http.get(server.url, allow_redirects=False)
        assert home.status in (302, 303, 307)
        assert home.headers["Location"].endswith(f"{PREFIX}terminal/session/1")
        page = await http.get(server.url + "terminal/session/1")
        assert page.status == 200 and "xterm.js" in await page.text()
        assert (await http.get(server.url + "terminal/static/vendor/xterm.js")).status == 200
    term = await Term.open(server.url + "terminal/", "1", cookies=server.cookies)
    await term.run("echo $((6*7)) in $PWD", f"42 in {folder / 'home'}")
    await term.close()


async def test_the_proxy_refuses_a_foreign_origin_and_anonymous_users(labdeck_server, folder):
    server = labdeck_server(env=labdeck_env(folder))
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await Term.open(server.url + "terminal/", "1", cookies=server.cookies,
                        headers={"Origin": "http://evil.example"})
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await Term.open(server.url + "terminal/", "1")


async def test_shells_survive_kill_9_of_the_web_process(labdeck_server, folder):
    terminal = ServerProcess(folder).start()  # as supervisord would run it: beside labdeck, not under it
    try:
        env = labdeck_env(folder, LABDECK_RUN_PROGRAMS="false")
        web = labdeck_server(env=env)
        term = await Term.open(web.url + "terminal/", "1", cookies=web.cookies)
        await term.run("echo before-crash-$((6*7))", "before-crash-42")
        web.stop(signal.SIGKILL)
        await term.until_closed()
        await term.close()
        web = labdeck_server(env=env)
        again = await Term.open(web.url + "terminal/", "1", cookies=web.cookies)
        assert again.hello["new"] is False and again.hello["pid"] == term.hello["pid"]
        await again.until("before-crash-42")
        await again.run("echo after-$((1+1))", "after-2")
        await again.close()
    finally:
        terminal.stop()


async def test_stopping_labdeck_stops_the_terminal_server_and_its_shells(labdeck_server, folder):
    server = labdeck_server(env=labdeck_env(folder))
    term = await Term.open(server.url + "terminal/", "1", cookies=server.cookies)
    await term.run("sleep 1000 & echo started-$((2+2))", "started-4")
    shell = term.hello["pid"]
    assert server.stop() == 0
    await term.until_closed()
    wait_for(lambda: not alive(shell), seconds=5)
    wait_for(lambda: not (folder / "terminal.sock").exists())
    await term.close()


@pytest.fixture
def supervisord(folder, free_port):
    """labdeck as `labdeck run` runs it: supervisord with labdeck and the terminal server side by side."""
    token = secrets.token_urlsafe(12)
    env = {**os.environ, **labdeck_env(folder, LABDECK_PLUGINS="terminal,supervisor"), "LABDECK_PORT": str(free_port),
           "LABDECK_TOKEN": token}
    conf = folder / "supervisord.conf"
    conf.write_text(subprocess.run([sys.executable, "-m", "labdeck", "supervisord-conf"], env=env, check=True,
                                   capture_output=True, text=True).stdout)
    process = subprocess.Popen([str(Path(sys.executable).parent / "supervisord"), "-c", str(conf)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield process, f"http://127.0.0.1:{free_port}{PREFIX}", token
    process.send_signal(signal.SIGTERM)
    process.wait(15)


async def test_under_supervisord_a_killed_labdeck_comes_back_to_the_same_shell(supervisord):
    process, base, token = supervisord
    term = await Term.open(base + "terminal/", "1", cookies=await sign_in(base, token))
    await term.run("echo supervised-$((6*7))", "supervised-42")
    web = wait_for(lambda: child_running(process.pid, "labdeck serve"))
    os.kill(web, signal.SIGKILL)
    await term.until_closed()
    await term.close()
    wait_for(lambda: child_running(process.pid, "labdeck serve") not in (None, web))
    again = await Term.open(base + "terminal/", "1", cookies=await sign_in(base, token))
    assert again.hello["new"] is False and again.hello["pid"] == term.hello["pid"]
    await again.until("supervised-42")
    await again.close()


async def sign_in(base: str, token: str) -> dict[str, str]:
    """Wait until labdeck answers, then sign in with the token; the session cookie."""
    async with aiohttp.ClientSession() as http:
        for _ in range(150):
            try:
                response = await http.get(f"{base}?token={token}", allow_redirects=False)
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
                continue
            return {c.key: c.value for c in response.cookies.values()}
    raise AssertionError("labdeck did not start under supervisord")
