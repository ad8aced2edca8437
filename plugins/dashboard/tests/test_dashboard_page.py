"""The dashboard page in Chromium, with stand-in terminal / notes / console pages that
record what reaches them (conftest.fake_dashboard): layout, tabs, menu and action bus."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

PREFIX = "/user/alice/"


def open_dashboard(fake_dashboard, browse, viewport=(1280, 800), **kwargs):
    server = fake_dashboard(**kwargs)
    browsing = browse(server.origin, viewport)
    browsing.page.goto(server.login_url())
    expect(browsing.page).to_have_url(server.url + "dashboard/")
    return server, browsing


def terminal(page, session):
    return page.frame_locator(f"iframe.ld-terminal[data-session='{session}']").locator("#log")


def received(page, selector):
    """What a stand-in terminal got, leaving out the terminal:focus that follows each action."""
    frame = page.locator(selector).element_handle().content_frame()
    messages = json.loads(frame.evaluate("JSON.stringify(window.received)"))
    return [message for message in messages if message["action"] != "terminal:focus"]


def post_from_notes(page, message):
    """Post an action-bus message the way a notes page does."""
    frame = page.locator("#ld-notes").element_handle().content_frame()
    frame.evaluate("message => parent.postMessage(message, location.origin)", message)


def selected_tab(page):
    return page.locator(".ld-tab[aria-selected='true']")


def test_execute_runs_in_the_terminal_it_names_and_brings_the_terminal_tab_forward(fake_dashboard, browse):
    _, browsing = open_dashboard(fake_dashboard, browse, environ={"TERMINAL_TAB": "split"})
    page = browsing.page
    notes = page.frame_locator("#ld-notes")
    page.get_by_role("tab", name="Console").click()
    notes.get_by_text("run two").click()
    expect(selected_tab(page)).to_have_text("Terminal")
    expect(terminal(page, "2")).to_contain_text('"command":"echo two"')
    notes.get_by_text("run one").click()
    expect(terminal(page, "1")).to_contain_text('"command":"echo one"')
    assert received(page, "iframe[data-session='2']") == [
        {"labdeck": 1, "action": "terminal:execute", "args": {"session": "2", "command": "echo two"}}
    ]
    assert browsing.errors == []


def test_messages_from_another_origin_are_not_obeyed(fake_dashboard, browse):
    _, browsing = open_dashboard(fake_dashboard, browse, environ={"LABDECK_DASHBOARD_TABS": "Stranger={stranger}/"})
    page = browsing.page
    page.get_by_role("tab", name="Stranger").click()
    expect(page.frame_locator(".ld-panel[data-tab='Stranger'] iframe").locator("script")).to_have_count(1)
    page.get_by_role("tab", name="Terminal").click()
    page.frame_locator("#ld-notes").get_by_text("run one").click()
    expect(terminal(page, "1")).to_contain_text("echo one")
    commands = [message["args"]["command"] for message in received(page, "iframe[data-session='1']")]
    assert commands == ["echo one"]


def test_copy_puts_the_text_on_the_clipboard_and_says_so(fake_dashboard, browse):
    _, browsing = open_dashboard(fake_dashboard, browse)
    page = browsing.page
    page.frame_locator("#ld-notes").get_by_text("copy", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Copied to the clipboard")
    assert page.evaluate("navigator.clipboard.readText()") == "copied text"


def test_a_link_under_a_tab_opens_that_tab_and_other_links_stay_in_the_notes(fake_dashboard, browse):
    _, browsing = open_dashboard(fake_dashboard, browse)
    page = browsing.page
    notes = page.frame_locator("#ld-notes")
    notes.locator("#console-link").click()
    expect(selected_tab(page)).to_have_text("Console")
    console = page.frame_locator(".ld-panel[data-tab='Console'] iframe")
    expect(console.locator("#log")).to_contain_text(f"console at {PREFIX}console/k8s/pods")
    notes.locator("#terminal-link").click()
    expect(selected_tab(page)).to_have_text("Terminal")
    notes.locator("#page-link").click()
    expect(notes.locator("h1")).to_have_text("Second page")
    expect(page).to_have_title("Second page")


def test_dragging_the_gutter_resizes_and_a_reload_keeps_the_size(fake_dashboard, browse):
    _, browsing = open_dashboard(fake_dashboard, browse)
    page = browsing.page
    notes_pane = page.locator("#ld-notes-pane")
    before = notes_pane.bounding_box()["width"]
    gutter = page.locator(".gutter-horizontal").bounding_box()
    x, y = gutter["x"] + gutter["width"] / 2, gutter["y"] + gutter["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 200, y, steps=8)
    page.mouse.up()
    after = notes_pane.bounding_box()["width"]
    assert after == pytest.approx(before + 200, abs=8)
    page.reload()
    expect(page.locator(".gutter-horizontal")).to_have_count(1)
    assert notes_pane.bounding_box()["width"] == pytest.approx(after, abs=2)


def test_split_2_stacks_three_resizable_terminals(fake_dashboard, browse):
    _, browsing = open_dashboard(fake_dashboard, browse, environ={"TERMINAL_TAB": "split/2"})
    page = browsing.page
    heights = [page.locator(f"iframe[data-session='{n}']").bounding_box()["height"] for n in "123"]
    assert heights[0] == pytest.approx(heights[1] * 2, rel=0.1)
    assert heights[1] == pytest.approx(heights[2], rel=0.1)
    for session in "123":
        expect(terminal(page, session)).to_contain_text(f"session {session}")
    gutter = page.locator(".ld-terminals .gutter-vertical").first.bounding_box()
    x, y = gutter["x"] + 50, gutter["y"] + gutter["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 100, steps=5)
    page.mouse.up()
    first = page.locator("iframe[data-session='1']").bounding_box()["height"]
    assert first == pytest.approx(heights[0] - 100, abs=8)
    page.reload()
    expect(terminal(page, "3")).to_contain_text("session 3")
    assert page.locator("iframe[data-session='1']").bounding_box()["height"] == pytest.approx(first, abs=2)


def test_tabs_work_from_the_keyboard(fake_dashboard, browse):
    _, browsing = open_dashboard(fake_dashboard, browse)
    page = browsing.page
    page.get_by_role("tab", name="Terminal").focus()
    page.keyboard.press("ArrowRight")
    expect(selected_tab(page)).to_have_text("Console")
    expect(page.get_by_role("tab", name="Console")).to_be_focused()
    page.keyboard.press("ArrowRight")  # wraps around
    expect(selected_tab(page)).to_have_text("Terminal")


def test_every_bus_action(fake_dashboard, browse):
    _, browsing = open_dashboard(fake_dashboard, browse, environ={"TERMINAL_TAB": "split"})
    page = browsing.page

    def bus(action, **args):
        post_from_notes(page, {"labdeck": 1, "action": action, "args": args})

    bus("terminal:execute-all", command="date")
    bus("terminal:execute", session="2", command="<ctrl-c>")
    bus("terminal:input", session="1", command="half typed")
    bus("terminal:clear")
    bus("terminal:execute", session="3", command="to the first")  # not shown: goes to terminal 1
    bus("dashboard:open-dashboard", name="console")
    expect(selected_tab(page)).to_have_text("Console")
    bus("dashboard:open-url", url=f"{PREFIX}console/projects")
    console = page.frame_locator(".ld-panel[data-tab='Console'] iframe")
    expect(console.locator("#log")).to_contain_text(f"console at {PREFIX}console/projects")
    bus("toString")  # not an action: ignored
    bus("dashboard:open-url", url="http://[broken")  # a warning, not an error
    bus("dashboard:open-dashboard", name="Terminal")
    expect(terminal(page, "1")).to_contain_text("to the first")
    one = [(m["action"], m["args"]) for m in received(page, "iframe[data-session='1']")]
    two = [(m["action"], m["args"]) for m in received(page, "iframe[data-session='2']")]
    assert one == [
        ("terminal:execute", {"session": "1", "command": "date"}),
        ("terminal:input", {"session": "1", "text": "half typed"}),
        ("terminal:clear", {"session": "1"}),
        ("terminal:execute", {"session": "1", "command": "to the first"}),
    ]
    assert two == [
        ("terminal:execute", {"session": "2", "command": "date"}),
        ("terminal:interrupt", {"session": "2"}),
        ("terminal:clear", {"session": "2"}),
    ]
    assert browsing.errors == []


def test_menu_new_terminal_reload_and_restart(fake_dashboard, browse):
    server, browsing = open_dashboard(fake_dashboard, browse, environ={"RESTART_URL": "/restarted"})
    page = browsing.page
    menu = page.get_by_role("button", name="Menu")
    for session in ("100", "101"):
        menu.click()
        with page.context.expect_page() as opened:
            page.get_by_role("menuitem", name="New terminal").click()
        expect(opened.value).to_have_url(f"{server.url}terminal/session/{session}")
        opened.value.close()
    post_from_notes(page, {"labdeck": 1, "action": "terminal:execute", "args": {"command": "before reload"}})
    expect(terminal(page, "1")).to_contain_text("before reload")
    menu.click()
    page.get_by_role("menuitem", name="Reload the current tab").click()
    expect(terminal(page, "1")).not_to_contain_text("before reload")  # a fresh page
    expect(terminal(page, "1")).to_contain_text("session 1")
    menu.click()
    expect(page.get_by_role("menuitem", name="Workshop notes")).to_have_attribute("href", f"{PREFIX}notes/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("menuitem", name="Restart the workshop").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    menu.click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("menuitem", name="Restart the workshop").click()
    expect(page).to_have_url(re.compile(r"/restarted$"))


def test_no_restart_item_without_restart_url(fake_dashboard, browse):
    _, browsing = open_dashboard(fake_dashboard, browse)
    browsing.page.get_by_role("button", name="Menu").click()
    expect(browsing.page.get_by_role("menuitem", name="Reload the current tab")).to_be_visible()
    expect(browsing.page.get_by_role("menuitem", name="Restart the workshop")).to_have_count(0)


def test_narrow_screens_show_notes_or_work_area_with_a_switch(fake_dashboard, browse):
    _, browsing = open_dashboard(fake_dashboard, browse, viewport=(600, 900))
    page = browsing.page
    notes_pane, work_pane = page.locator("#ld-notes-pane"), page.locator("#ld-work")

    def boxes():
        return notes_pane.bounding_box(), work_pane.bounding_box()

    expect(work_pane).to_be_hidden()
    assert notes_pane.bounding_box()["width"] == pytest.approx(600, abs=2)
    page.get_by_role("button", name="Show work area").click()
    expect(notes_pane).to_be_hidden()
    work = work_pane.bounding_box()
    assert work["width"] == pytest.approx(600, abs=2) and work["height"] > 800
    page.set_viewport_size({"width": 1280, "height": 800})  # turning a tablet, say
    expect(page.locator(".gutter-horizontal")).to_have_count(1)
    expect(page.locator("#ld-switch")).to_be_hidden()
    notes, work = boxes()
    assert work["x"] > notes["x"] + notes["width"] - 1 and work["y"] == notes["y"]
    assert browsing.errors == []


@pytest.mark.parametrize(("plugins", "notes", "tabs"), [
    (("terminal",), 0, ["Terminal"]),
    (("notes",), 1, []),
    (("notes", "console"), 1, ["Console"]),
])
def test_layout_follows_the_installed_plugins(fake_dashboard, browse, plugins, notes, tabs):
    _, browsing = open_dashboard(fake_dashboard, browse, plugins=plugins)
    page = browsing.page
    expect(page.locator("iframe#ld-notes")).to_have_count(notes)
    expect(page.get_by_role("tab")).to_have_text(tabs)
    full = page.locator("#ld-work" if "terminal" in plugins and not notes else "#ld-notes-pane")
    if len(plugins) == 1:
        assert full.bounding_box()["width"] == pytest.approx(1280, abs=2)
    assert browsing.errors == []
