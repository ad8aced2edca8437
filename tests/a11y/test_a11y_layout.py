"""The dashboard on a phone (390 px wide), at 200% zoom (a 1280x800 window shows 640x400 CSS
pixels) and in the browser's dark mode."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

PHONE = (390, 844)
ZOOMED = (640, 400)  # 1280x800 at 200%


def no_sideways_scrolling(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def in_view(page, locator) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width + 0.5 \
        and box["y"] + box["height"] <= height + 0.5, (box, width, height)


@pytest.mark.parametrize("viewport", [PHONE, ZOOMED], ids=["phone", "zoom-200"])
def test_narrow_window_shows_notes_or_terminal_with_a_switch(browse, viewport):
    page = browse(viewport=viewport)
    notes, terminal = page.locator("#ld-notes"), page.locator("iframe.ld-terminal")
    switch = page.get_by_role("button", name="Show work area")
    in_view(page, switch)
    in_view(page, page.locator("#ld-menu-button"))
    tabs = page.locator(".ld-tabs").bounding_box()
    for tab in page.locator(".ld-tab").all():  # whole, not cut off by the tab list's edge
        in_view(page, tab)
        box = tab.bounding_box()
        assert box["x"] >= tabs["x"] and box["x"] + box["width"] <= tabs["x"] + tabs["width"] + 0.5, box
    no_sideways_scrolling(page)
    expect(notes).to_be_visible()
    expect(terminal).to_be_hidden()
    assert notes.bounding_box()["width"] >= viewport[0] - 1  # the whole width, not a sliver of a split
    switch.click()
    expect(terminal).to_be_visible()
    expect(notes).to_be_hidden()
    assert terminal.bounding_box()["height"] >= viewport[1] * 0.8
    page.get_by_role("button", name="Show notes").click()
    expect(notes).to_be_visible()
    page.locator(".ld-tab[data-tab='Editor']").click()  # a tab shows the work area too
    expect(page.locator(".ld-panel[data-tab='Editor'] iframe")).to_be_visible()
    expect(notes).to_be_hidden()
    page.get_by_role("button", name="Show notes").click()
    page.locator("#ld-menu-button").click()
    for item in page.get_by_role("menuitem").all():
        in_view(page, item)


def test_a_command_run_from_the_notes_on_a_phone_shows_the_terminal(browse, deck):
    page = browse(viewport=PHONE)
    notes = page.locator("#ld-notes").element_handle().content_frame()
    notes.goto(f"{deck.url}notes/exercises/01-first-commands")
    notes.locator(".ld-execute").first.click()
    expect(page.locator("#ld-notes")).to_be_hidden()
    expect(page.frame_locator("iframe.ld-terminal").locator(".xterm-rows")).to_contain_text("Hello from the notes")
    expect(page.get_by_role("button", name="Show notes")).to_be_visible()


def test_wide_window_shows_notes_and_terminal_side_by_side_without_the_switch(browse):
    page = browse()
    expect(page.locator("#ld-switch")).to_be_hidden()
    notes, terminal = page.locator("#ld-notes").bounding_box(), page.locator("iframe.ld-terminal").bounding_box()
    assert notes["x"] + notes["width"] <= terminal["x"]
    assert abs(notes["y"] - terminal["y"]) < 1


BACKGROUND = "() => getComputedStyle(document.body).backgroundColor"
LUMINANCE = """(colour) => {
  const [r, g, b] = colour.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map((c) => {
    c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}"""


def luminance(page, colour: str) -> float:
    return page.evaluate(LUMINANCE, colour)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_dashboard_and_notes_follow_the_browsers_colour_scheme(browse, deck, scheme):
    page = browse(color_scheme=scheme)
    notes = page.locator("#ld-notes").element_handle().content_frame()
    notes.goto(f"{deck.url}notes/exercises/01-first-commands")
    chrome = page.evaluate(BACKGROUND)
    header_text = page.locator(".ld-tab").first.evaluate("(el) => getComputedStyle(el).color")
    notes_bg = notes.evaluate(BACKGROUND)
    block_bg = notes.locator(".ld-code").first.evaluate("(el) => getComputedStyle(el).backgroundColor")
    dark = scheme == "dark"
    for background in (chrome, notes_bg, block_bg):
        assert (luminance(page, background) < 0.05) == dark, (scheme, background)
    assert (luminance(page, header_text) > 0.5) == dark, header_text
