"""Raise a hand and broadcast, in Chromium with a real hub: alice asks for help on her notes page,
the instructor's board shows it with her page and last command and marks it handled (gone for
both); a broadcast with markup in it reaches alice's and bob's pages as plain text. A module of
its own: the Chromium fixture runs Playwright's event loop, so no async tests beside it."""

import asyncio
import importlib.util
import re

import pytest
from hub_harness import ADMIN_PASSWORD, PASSWORD, ROOT, signed_in_at_the_hub, start_hub

from labdeck_testing import free_port

pytestmark = pytest.mark.skipif(not importlib.util.find_spec("labdeck_instructor"),
                                reason="needs the instructor plugin installed")
BOARD = "services/instructor/instructor/"
PAGE = "exercises/01-first-commands"
EXTRA = f"""
c.Spawner.environment.update({{"WORKSHOP_DIR": {str(ROOT / "examples" / "workshop")!r},
                               "LABDECK_NOTES_HELP": "true"}})
"""
#: in a notes page: POST a block's result as progress.js does when the terminal reports it
POST_RESULT = """async (result) => (await fetch(document.body.dataset.notesBase + '-/progress/result', {
    method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(result)})).status"""
GET_JSON = "async (path) => (await fetch(document.body.dataset.notesBase + path)).json()"
MARKUP = '<img src=x onerror="window.pwned=1"><b>Break</b> until 11:00'


@pytest.fixture(scope="module")
def hub(request):
    hub = start_hub(["alice", "bob"], env={"IDLE_TIMEOUT": "0", "INSTRUCTOR_BOARD": "true",
                                           "INSTRUCTOR_PORT": str(free_port()),
                                           "PASS_ENVIRONMENT": "LABDECK_INSTRUCTOR_INTERVAL",
                                           "LABDECK_INSTRUCTOR_INTERVAL": "1"},
                    extra_config=EXTRA)

    async def spawn():
        await asyncio.gather(hub.start("alice"), hub.start("bob"))

    asyncio.run(spawn())
    yield hub
    hub.stop(keep=request.session.testsfailed > 0)


def signed_in(chromium, hub, user, password=PASSWORD):
    context, page = signed_in_at_the_hub(chromium, hub, user, password)
    page.set_default_timeout(30000)
    return context, page


def notes_page(chromium, hub, user):
    context, page = signed_in(chromium, hub, user)
    page.goto(f"{hub.url}user/{user}/notes/{PAGE}", timeout=60000)
    page.wait_for_selector(".ld-help", state="attached")
    return context, page


def test_alices_hand_shows_on_the_board_with_her_page_and_last_command_until_handled(hub, chromium):
    from playwright.sync_api import expect

    alice_context, alice = notes_page(chromium, hub, "alice")
    instructor_context, instructor = signed_in(chromium, hub, "instructor", ADMIN_PASSWORD)
    try:
        # the first block ran and failed (as the terminal reports it to the page: progress.js)
        saved = alice.evaluate(POST_RESULT, {"page": PAGE, "block": "0", "state": "failed", "code": 127})
        assert saved == 200
        alice.reload()
        expect(alice.locator(".ld-code").first.locator(".ld-result")).to_be_attached()
        alice.fill(".ld-ask input", "<i>date</i> says nothing")
        alice.click("text=Ask for help")
        expect(alice.locator(".ld-hand-up")).to_contain_text("Your hand is up")

        instructor.goto(hub.url + BOARD, timeout=60000)
        hand = instructor.locator("tr[data-user=alice] td.hand")
        expect(hand).to_contain_text("First Commands")
        expect(hand).to_contain_text('last: echo "Hello from the notes"; date (exit 127)')
        expect(hand).to_contain_text("“<i>date</i> says nothing”")  # shown as typed, never as markup
        assert hand.locator("i").count() == 0
        expect(instructor.locator("tr[data-user=bob] td.hand")).to_have_text("")

        hand.locator("button.handled").click()
        expect(hand).to_have_text("")  # gone from the board
        expect(alice.locator(".ld-ask-button")).to_have_text("Ask for help")  # and for alice, pushed
        progress = alice.evaluate(GET_JSON, "-/progress")
        assert progress["hand"] is None
        instructor.wait_for_timeout(2500)  # two more polls of the board: it stays down
        expect(hand).to_have_text("")
    finally:
        alice_context.close()
        instructor_context.close()


def test_a_broadcast_reaches_alices_and_bobs_pages_as_plain_text(hub, chromium):
    from playwright.sync_api import expect

    pages = [notes_page(chromium, hub, user) for user in ("alice", "bob")]
    instructor_context, instructor = signed_in(chromium, hub, "instructor", ADMIN_PASSWORD)
    try:
        instructor.goto(hub.url + BOARD, timeout=60000)
        expect(instructor.locator("tr[data-user=bob]")).to_be_attached()
        instructor.fill("#broadcast-message", MARKUP)
        instructor.click("#broadcast button")
        # every running server: alice's, bob's (and the instructor's own, when the sign-in started it)
        expect(instructor.locator("#broadcast-status")).to_have_text(re.compile(r"^sent to [23]$"))
        for _, page in pages:
            news = page.locator(".ld-broadcast")
            expect(news).to_have_text(f"instructor: {MARKUP}")  # pushed: nobody reloads
            assert news.locator("b, img").count() == 0
            assert page.evaluate("window.pwned") is None
        assert pages[1][1].evaluate(GET_JSON, "-/help")["broadcast"]["message"] == MARKUP
    finally:
        for context, _ in pages:
            context.close()
        instructor_context.close()
