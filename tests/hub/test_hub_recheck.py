"""After signing in, the hub is asked again: an admin demoted, or a user signed out at the hub, loses
their way into a running labdeck within the re-check interval (short here), not after the cookie's day."""

import asyncio

import pytest
from hub_harness import ADMIN_PASSWORD, start_hub

INTERVAL = 2


@pytest.fixture(scope="module")
def hub(request):
    hub = start_hub(["alice", "bob"], env={"IDLE_TIMEOUT": "0", "LABDECK_JUPYTERHUB_RECHECK_INTERVAL": str(INTERVAL),
                                           "PASS_ENVIRONMENT": "LABDECK_JUPYTERHUB_RECHECK_INTERVAL"},
                    # only an admin may demote an admin: the tests' REST token gets the role
                    extra_config='c.JupyterHub.load_roles.append({"name": "admin", "services": ["tests"]})\n')
    yield hub
    hub.stop(keep=request.session.testsfailed > 0)


async def test_attack_admin_removed_mid_session_loses_access_within_the_interval(hub, browser_for):
    await hub.start("alice")
    instructor = await browser_for(hub, "instructor", ADMIN_PASSWORD)
    status, _, text = await instructor.get("user/alice/example/")
    assert (status, text.startswith("hello, instructor (visit ")) == (200, True), hub.tail()
    status, body = await hub.rest("PATCH", "users/instructor", json={"admin": False})
    assert status == 200 and body["admin"] is False, body
    await asyncio.sleep(INTERVAL + 0.5)
    status, _, text = await instructor.get("user/alice/example/")
    assert status == 403, text[:500]
    assert "<strong>instructor</strong>" in text and "hello" not in text


async def test_attack_user_signed_out_at_the_hub_loses_access_within_the_interval(hub, browser_for):
    await hub.start("alice")
    alice = await browser_for(hub, "alice")
    status, _, text = await alice.get("user/alice/example/")
    assert (status, text.startswith("hello, alice (visit ")) == (200, True), hub.tail()
    await alice.get("hub/logout")  # the hub deletes the tokens it issued in that browser session
    await asyncio.sleep(INTERVAL + 0.5)
    status, url, text = await alice.get("user/alice/example/")
    assert "/hub/login" in url and "hello" not in text  # labdeck's session ended: back to the hub, signed out
    await alice.login("alice")  # and in again, as usual
    status, _, text = await alice.get("user/alice/example/")
    assert (status, text.startswith("hello, alice (visit ")) == (200, True)
