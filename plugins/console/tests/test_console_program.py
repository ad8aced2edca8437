"""A real ``labdeck serve`` that runs the console itself (LABDECK_CONSOLE_COMMAND) and proxies it."""

from __future__ import annotations

import aiohttp


async def test_labdeck_serve_runs_the_console_command_and_proxies_it(labdeck_server, fake_console_command, free_port):
    server = labdeck_server(env={
        "URI_ROOT_PATH": "/user/alice/",
        "LABDECK_CONSOLE_COMMAND": fake_console_command,
        "LABDECK_CONSOLE_PORT": str(free_port),
        "LABDECK_CONSOLE_KEEP_PATH": "true",
        "LABDECK_CONSOLE_TOKEN": "from-the-environment",
    })
    assert server.url.endswith("/user/alice/")
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar, cookies=server.cookies) as session:
        async with session.get(server.url + "console/") as page:  # the program may still be starting: core retries
            assert page.status == 200, await page.text()
            assert "<h1>Fake console</h1>" in await page.text()
        async with session.get(server.url + "console/echo") as echo:
            seen = await echo.json()
    assert seen["path"] == "/user/alice/console/echo"  # the console was told its base path
    assert seen["headers"]["Authorization"] == "Bearer from-the-environment"
    assert seen["cookies"] == {"console-session": "yes"}
