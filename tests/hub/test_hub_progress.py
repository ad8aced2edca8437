"""Two attendees under a real JupyterHub keep separate progress (docs/multi-user.md "Where progress lives")."""

import importlib.util
import json

import pytest
from hub_harness import start_hub

pytestmark = pytest.mark.skipif(not importlib.util.find_spec("labdeck_notes"), reason="needs labdeck-notes installed")


@pytest.fixture(scope="module")
def hub(request, tmp_path_factory):
    workshop = tmp_path_factory.mktemp("workshop")
    for number, title in enumerate(("One", "Two", "Three"), 1):
        (workshop / f"0{number}-{title.lower()}.md").write_text(f"# {title}\n\n```execute\necho {title}\n```\n")
    hub = start_hub(["alice", "bob"], env={"IDLE_TIMEOUT": "0", "WORKSHOP_DIR": str(workshop),
                                           "PASS_ENVIRONMENT": "WORKSHOP_DIR"})
    yield hub
    hub.stop(keep=request.session.testsfailed > 0)


async def test_two_attendees_keep_separate_progress(hub, browser_for):
    await hub.start("alice")
    await hub.start("bob")
    alice, bob = await browser_for(hub, "alice"), await browser_for(hub, "bob")
    assert (await alice.get("user/alice/notes/03-three"))[0] == 200, hub.tail()
    assert (await bob.get("user/bob/notes/02-two"))[0] == 200, hub.tail()
    async with alice.session.post(hub.url + "user/alice/notes/-/progress/result",
                                  json={"page": "03-three", "block": "0", "state": "passed", "seconds": 0.1},
                                  headers={"Origin": hub.url.rstrip("/")}) as response:
        assert response.status == 200, await response.text()

    _, _, text = await alice.get("user/alice/notes/-/progress")
    mine = json.loads(text)
    assert (mine["user"], mine["current"]) == ("alice", "03-three")
    assert mine["pages"]["03-three"]["blocks"] == {"0": {"state": "passed", "code": None, "seconds": 0.1}}
    _, _, text = await bob.get("user/bob/notes/-/progress")
    theirs = json.loads(text)
    assert (theirs["user"], theirs["current"], list(theirs["pages"])) == ("bob", "02-two", ["02-two"])
    _, url, _ = await bob.get("user/bob/notes/")  # each lands on their own page
    assert url.endswith("/user/bob/notes/02-two")
    _, url, _ = await alice.get("user/alice/notes/")
    assert url.endswith("/user/alice/notes/03-three")
