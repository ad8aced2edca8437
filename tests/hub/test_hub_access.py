"""Who reaches whose labdeck through a real JupyterHub: the owner, an admin, nobody else."""

import pytest
from hub_harness import ADMIN_PASSWORD, alive, process_tree, start_hub


@pytest.fixture(scope="module")
def hub(request):
    hub = start_hub(["alice", "bob"], env={"IDLE_TIMEOUT": "0"})
    yield hub
    hub.stop(keep=request.session.testsfailed > 0)


async def test_alice_signs_in_at_the_hub_and_reaches_her_labdeck(hub, browser_for):
    await hub.start("alice")
    alice = await browser_for(hub, "alice")
    status, url, text = await alice.get("user/alice/example/")
    assert status == 200, hub.tail()
    assert url.endswith("/user/alice/example/")
    assert text.startswith("hello, alice (visit ")


async def test_anonymous_visitor_is_sent_to_the_hub_login(hub, browser_for):
    await hub.start("alice")
    stranger = await browser_for(hub)
    _, url, text = await stranger.get("user/alice/example/")
    assert "/hub/login" in url
    assert 'name="password"' in text
    assert "hello" not in text


async def test_bob_cannot_open_alices_labdeck(hub, browser_for):
    await hub.start("alice")
    bob = await browser_for(hub, "bob")
    status, _, text = await bob.get("user/alice/example/")
    assert status == 403
    assert "hello" not in text


async def test_an_admin_can_open_alices_labdeck(hub, browser_for):
    await hub.start("alice")
    instructor = await browser_for(hub, "instructor", ADMIN_PASSWORD)
    status, _, text = await instructor.get("user/alice/example/")
    assert status == 200, text[:2000]
    assert text.startswith("hello, instructor (visit ")


async def test_stop_and_start_through_the_rest_api_gives_a_working_labdeck_again(hub, browser_for):
    await hub.start("alice")
    alice = await browser_for(hub, "alice")
    assert (await alice.get("user/alice/example/"))[2].startswith("hello, alice (visit ")
    before = process_tree(await hub.pid("alice"))
    await hub.stop_server("alice")
    assert not alive(before), "alice's labdeck or its programs outlived the stop"
    await hub.start("alice")
    status, url, text = await alice.get("user/alice/example/")  # same browser: signs in again by itself
    assert (status, text.startswith("hello, alice (visit ")) == (200, True), hub.tail()
    assert url.endswith("/user/alice/example/")
