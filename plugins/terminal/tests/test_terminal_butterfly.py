"""Butterfly 3.2.5 as the backend (TERMINAL_BACKEND=butterfly), through labdeck's proxy."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
import shutil

import aiohttp
import pytest
from terminal_helpers import alive, short_dir, wait_for
from yarl import URL

pytestmark = pytest.mark.skipif(importlib.util.find_spec("butterfly") is None,
                                reason="pip install 'labdeck-terminal[butterfly]'")


async def read_until(ws, pattern: str, seen: list[str], seconds: float = 15) -> re.Match:
    async with asyncio.timeout(seconds):
        while not (match := re.search(pattern, "".join(seen))):
            message = await ws.receive()
            assert message.type == aiohttp.WSMsgType.TEXT, message
            seen.append(message.data)
    return match


async def test_butterfly_runs_the_start_script_and_hangs_up_its_shells_on_stop(labdeck_server):
    folder = short_dir()
    (folder / "home").mkdir()
    (folder / "profile.d").mkdir()
    (folder / "profile.d" / "greet.sh").write_text("export WORKSHOP_GREETING=from-profile\n")
    server = labdeck_server(env={"LABDECK_RUNTIME_DIR": str(folder), "URI_ROOT_PATH": "/user/alice/",
                                 "HOME": str(folder),  # Butterfly itself would give the shell the account's
                                 "TERMINAL_BACKEND": "butterfly", "TERMINAL_HOME": str(folder / "home"),
                                 "LABDECK_TERMINAL_PROFILE_DIRS": str(folder / "profile.d")})
    root = server.url + "terminal/"
    origin = {"Origin": str(URL(root).origin())}  # as a browser sends (labdeck wants one)
    async with aiohttp.ClientSession(cookies=server.cookies) as http:
        ctl = await http.ws_connect(root + "ctl/session/7", headers=origin)
        data = await http.ws_connect(root + "ws/session/7", max_msg_size=0, headers=origin)
        await ctl.send_str(json.dumps({"cmd": "open"}))
        await ctl.send_str(json.dumps({"cmd": "size", "cols": 100, "rows": 30}))
        seen: list[str] = []
        await read_until(data, r"[$#] $", seen)  # the shell is up (typing earlier reaches no terminal)
        await data.send_str("echo $((6*7)) $WORKSHOP_GREETING $PWD home=$HOME pid=$$\r")
        try:
            match = await read_until(data, r"42 from-profile (\S+) home=(\S+) pid=(\d+)", seen)
        except AssertionError as error:
            raise AssertionError(f"{error}\nseen: {seen}\nlabdeck said:\n{''.join(server.output)}") from None
        assert match.group(1) == str(folder / "home")
        assert match.group(2) == str(folder)
        shell = int(match.group(3))
        assert alive(shell)
        await data.send_str("sleep 1000 &\r")
        assert server.stop() == 0
        wait_for(lambda: not alive(shell), seconds=5)
        await ctl.close()
        await data.close()
    shutil.rmtree(folder, ignore_errors=True)
