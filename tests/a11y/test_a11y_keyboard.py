"""Keyboard only: the dashboard's tabs and menu, the notes' clickable blocks and the terminal's
toolbar are reached with Tab, operated with Enter, Space and the arrows, and show a focus ring."""

from __future__ import annotations

import re

from playwright.sync_api import expect

#: what has the focus (inside a frame: that frame's element), and whether it shows a ring
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== "none";
  return { tag: el.tagName.toLowerCase(), id: el.id, text: (el.textContent || "").trim().slice(0, 40),
           role: el.getAttribute("role"), classes: el.className, ring };
}"""


def focused(target) -> dict:
    return target.evaluate(FOCUSED)


def tab_until(page, target, matches, presses: int = 15) -> dict:
    """Press Tab until the element focused in ``target`` (the page or a frame) ``matches``."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        now = focused(target)
        if matches(now):
            return now
    raise AssertionError(f"Tab never reached it; last focused: {now}")


def test_tab_reaches_the_selected_work_area_tab_and_the_menu_button_with_a_ring(browse):
    page = browse()
    tab = tab_until(page, page, lambda el: el["role"] == "tab")
    assert tab["text"] == "Terminal" and tab["ring"], tab
    menu = tab_until(page, page, lambda el: el["id"] == "ld-menu-button")
    assert menu["ring"], menu


def test_arrows_home_and_enter_choose_work_area_tabs(browse):
    page = browse()
    tab_until(page, page, lambda el: el["role"] == "tab")
    page.keyboard.press("End")
    editor = page.locator(".ld-tab[data-tab='Editor']")
    expect(editor).to_be_focused()
    expect(editor).to_have_attribute("aria-selected", "true")
    expect(page.locator(".ld-panel[data-tab='Editor'] iframe")).to_be_visible()
    assert focused(page)["ring"]
    page.keyboard.press("ArrowRight")  # round to the first
    expect(page.locator(".ld-tab[data-tab='Terminal']")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(editor).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Home")
    expect(page.locator(".ld-tab[data-tab='Terminal']")).to_have_attribute("aria-selected", "true")
    expect(page.locator("iframe.ld-terminal")).to_be_visible()
    # the selected tab is the list's only Tab stop: Tab goes on to what follows the list
    page.keyboard.press("Tab")
    assert focused(page)["role"] != "tab"


def test_the_menu_opens_moves_and_closes_by_keyboard(browse):
    page = browse()
    tab_until(page, page, lambda el: el["id"] == "ld-menu-button")
    page.keyboard.press("Enter")
    menu = page.locator("#ld-menu")
    expect(menu).to_be_visible()
    expect(page.locator("#ld-menu-button")).to_have_attribute("aria-expanded", "true")
    items = menu.get_by_role("menuitem")
    expect(items.first).to_be_focused()
    assert focused(page)["ring"]
    page.keyboard.press("ArrowDown")
    expect(items.nth(1)).to_be_focused()
    page.keyboard.press("End")
    expect(items.last).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(page.locator("#ld-menu-button")).to_be_focused()
    page.keyboard.press("Space")
    expect(items.first).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.press("Tab")  # leaving the menu closes it
    expect(menu).to_be_hidden()


def test_reload_from_the_menu_by_keyboard_reloads_the_terminal(browse):
    page = browse()
    terminal = page.locator("iframe.ld-terminal").element_handle().content_frame()
    expect(page.frame_locator("iframe.ld-terminal").locator(".xterm-rows")).to_be_visible()
    terminal.evaluate("() => { window.beforeReload = true; }")
    tab_until(page, page, lambda el: el["id"] == "ld-menu-button")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="Reload the current tab")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#ld-menu")).to_be_hidden()
    page.wait_for_function(
        "() => { const w = document.querySelector('iframe.ld-terminal').contentWindow;"
        " return w.document.readyState === 'complete' && w.beforeReload === undefined; }")


def test_clickable_blocks_run_and_copy_by_keyboard_with_a_ring(browse, deck):
    page = browse()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=deck.origin)
    notes = page.locator("#ld-notes").element_handle().content_frame()
    notes.goto(f"{deck.url}notes/exercises/01-first-commands")
    notes.locator("a[rel='next']").focus()
    block = tab_until(page, notes, lambda el: "ld-code" in el["classes"])
    assert "ld-execute" in block["classes"] and block["role"] == "button" and block["ring"], block
    page.keyboard.press("Enter")
    expect(page.frame_locator("iframe.ld-terminal").locator(".xterm-rows")).to_contain_text("Hello from the notes")
    notes.locator(".ld-execute").first.focus()  # the run took the focus to the terminal
    copy = tab_until(page, notes, lambda el: "ld-copy" in el["classes"].split())
    assert copy["ring"], copy
    page.keyboard.press(" ")
    expect(notes.locator(".ld-code.ld-copy .ld-code-feedback").first).to_have_text("Copied")
    assert page.evaluate("() => navigator.clipboard.readText()").strip() == "export EDITOR=nano"


def test_terminal_toolbar_shows_and_works_by_keyboard(browse, deck):
    page = browse(dashboard=False)
    page.goto(f"{deck.url}terminal/session/1")
    expect(page.locator(".xterm-rows")).to_be_visible()
    toolbar = page.locator("#toolbar")
    assert float(toolbar.evaluate("(el) => getComputedStyle(el).opacity")) == 0
    page.evaluate("() => document.activeElement.blur()")  # the terminal took it; Tab there is the shell's
    larger = tab_until(page, page, lambda el: el["text"] == "A+", presses=3)
    assert larger["ring"], larger
    page.wait_for_function("() => getComputedStyle(document.getElementById('toolbar')).opacity > 0.5")
    size = page.locator(".xterm-rows").evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)")
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"() => parseFloat(getComputedStyle(document.querySelector('.xterm-rows')).fontSize) > {size}")


def test_escape_then_tab_leaves_the_terminal_plain_tab_stays_in_the_shell(browse, deck):
    page = browse(dashboard=False)
    page.goto(f"{deck.url}terminal/session/1")
    rows = page.locator(".xterm-rows")
    expect(rows).to_contain_text(re.compile(r"[$#]"))  # the prompt; a terminal page of its own has the focus
    page.keyboard.type("ech")
    page.keyboard.press("Tab")  # the shell completes the command
    expect(rows).to_contain_text("echo")
    assert "xterm-helper-textarea" in focused(page)["classes"]
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Tab")
    leaving = focused(page)
    assert leaving["tag"] == "button" and leaving["ring"], leaving
