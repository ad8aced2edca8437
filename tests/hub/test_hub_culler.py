"""jupyterhub-idle-culler, as images/hub/jupyterhub_config.py runs it, sees labdeck's own activity reports.

The hub's own view of traffic through the proxy is switched off here (last_activity_interval is an
hour), so only labdeck's reports to JUPYTERHUB_ACTIVITY_URL keep a server alive.
"""

import asyncio
import time

import pytest
from hub_harness import alive, process_tree, start_hub

IDLE_TIMEOUT = 10
CULL_EVERY = 2


@pytest.fixture(scope="module")
def hub(request):
    hub = start_hub(["alice", "bob"],
                    env={"IDLE_TIMEOUT": str(IDLE_TIMEOUT), "CULL_EVERY": str(CULL_EVERY)})
    yield hub
    hub.stop(keep=request.session.testsfailed > 0)


async def test_idle_server_is_culled_and_busy_one_is_not(hub, browser_for):
    await asyncio.gather(hub.start("alice"), hub.start("bob"))
    alice_processes = process_tree(await hub.pid("alice"))
    assert len(alice_processes) >= 2, "labdeck and its example upstream program"
    bob = await browser_for(hub, "bob")
    status, _, text = await bob.get("user/bob/example/")
    assert (status, text.startswith("hello, bob (visit ")) == (200, True), hub.tail()
    ws = await bob.session.ws_connect(hub.url + "user/bob/upstream/ws", headers={"Origin": hub.url.rstrip("/")})
    deadline = time.monotonic() + IDLE_TIMEOUT * 5
    while await hub.server("alice") is not None:  # bob keeps typing while alice's server sits idle
        assert time.monotonic() < deadline, "alice's idle server was never culled:\n" + hub.tail()
        await ws.send_str("ls\n")
        assert (await asyncio.wait_for(ws.receive(), 10)).data == "ls\n"
        await asyncio.sleep(1)
    # both started together: had bob's typing not counted, he would have gone with alice; two more
    # rounds of the culler make sure
    for _ in range(2 * CULL_EVERY + 1):
        await ws.send_str("ls\n")
        assert (await asyncio.wait_for(ws.receive(), 10)).data == "ls\n"
        await asyncio.sleep(1)
    assert await hub.server("bob") is not None, "bob was busy, yet culled:\n" + hub.tail()
    await ws.close()
    for _ in range(50):
        if not alive(alice_processes):
            break
        await asyncio.sleep(0.2)
    assert not alive(alice_processes), "alice's labdeck or its programs outlived the cull"
