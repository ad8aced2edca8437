"""The spawner's SIGTERM (or the culler's stop) ends labdeck promptly even with WebSockets open.

A server that waited for every browser tab to answer its close frame would keep the hub
waiting (the RECIPES measured 30 s); JupyterHub then escalates to SIGKILL and the shells
are not hung up cleanly. The bounds below are liveness checks, far above the ~1 s it takes.
"""

import asyncio
import signal
import subprocess

import aiohttp
from hub_harness import free_port

from labdeck_testing import start_server


async def test_sigterm_closes_open_websockets_and_exits(tmp_path):
    server = start_server({"LABDECK_EXAMPLE_UPSTREAM_PORT": str(free_port())})
    try:
        origin = {"Origin": server.url.rstrip("/")}  # the page's own origin, as a browser sends it
        async with aiohttp.ClientSession(cookies=server.cookies, headers=origin) as session:
            answering = await session.ws_connect(server.url + "upstream/ws")
            await answering.send_str("ping")
            assert (await answering.receive()).data == "ping"
            # tabs that never read again, like a sleeping laptop's: nobody answers the close frame
            asleep = [await session.ws_connect(server.url + "upstream/ws", autoclose=False) for _ in range(3)]
            server.process.send_signal(signal.SIGTERM)
            goodbye = await asyncio.wait_for(answering.receive(), 10)
            assert goodbye.type == aiohttp.WSMsgType.CLOSE
            assert goodbye.data == aiohttp.WSCloseCode.GOING_AWAY
            code = await asyncio.to_thread(server.process.wait, 8)
            assert code == 0
            for ws in asleep:
                await ws.close()
    except subprocess.TimeoutExpired:
        raise AssertionError("labdeck did not stop on SIGTERM:\n" + "".join(server.output)) from None
    finally:
        server.stop(signal.SIGKILL)
