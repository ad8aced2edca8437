"""axe-core over every page an attendee of examples/workshop sees, in light and dark: the
dashboard, each notes page, the terminal page and the Editor tab have no serious or critical
violation (contrast, names of buttons and frames, landmarks, roles)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

SCHEMES = ("light", "dark")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_dashboard_has_no_serious_axe_violation(browse, axe, scheme):
    page = browse(color_scheme=scheme)
    expect(page.locator(".ld-tab").first).to_have_attribute("aria-selected", "true")
    assert axe(page) == []
    page.locator("#ld-menu-button").click()
    expect(page.locator("#ld-menu")).to_be_visible()
    assert axe(page) == [], "with the menu open"


def check_notes(page, axe, deck) -> dict[str, list[str]]:
    """axe on the workshop overview and every page of the sequence, first to last."""
    page.goto(f"{deck.url}notes/-/overview")  # from the first page: the notes root leads to the last one seen
    assert page.evaluate("fetch('progress/reset', {method: 'POST'}).then(r => r.status)") == 200
    page.goto(f"{deck.url}notes/")
    overview = page.locator(".ld-nav-home").evaluate("(link) => link.href")
    found = {}
    while True:
        found[page.url] = axe(page)
        following = page.locator("a[rel='next']")
        if not following.count():
            break
        following.click()
        page.wait_for_url(lambda url: url not in found)
    page.goto(overview)
    found[page.url] = axe(page)
    assert len(found) >= 5, list(found)  # the overview, index, two exercises, finish
    return found


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_notes_page_has_no_serious_axe_violation(browse, axe, deck, scheme):
    page = browse(color_scheme=scheme, dashboard=False)
    found = check_notes(page, axe, deck)
    assert [f"{url}: {problem}" for url, problems in found.items() for problem in problems] == []


def test_terminal_page_has_no_serious_axe_violation(browse, axe, deck):
    page = browse(dashboard=False)
    page.goto(f"{deck.url}terminal/session/1")
    expect(page.locator(".xterm-rows")).to_be_visible()
    assert axe(page) == []


def test_editor_tab_has_no_serious_axe_violation(browse, axe, deck):
    page = browse(dashboard=False)
    page.goto(f"{deck.url}editor/")
    page.get_by_text("hello.py").click()
    expect(page.locator(".cm-content")).to_contain_text("print")
    assert axe(page) == []
