"""Conformance: Educates workshops of the corpus in the dashboard, in Chromium, with real
terminals: their action blocks carry out what Educates does, and the terminal layout follows
resources/workshop.yaml."""

from __future__ import annotations

import shutil

from playwright.sync_api import expect


def screen(page, session):
    return page.frame_locator(f"iframe.ld-terminal[data-session='{session}']").locator("body")


def notes_at(page, url):
    frame = page.locator("#ld-notes").element_handle().content_frame()
    frame.goto(url)
    return page.frame_locator("#ld-notes")


def test_terminal_layout_follows_the_workshop_definition(attendee, corpus):
    _, browsing = attendee(corpus / "educates-lab-workshop-session")  # layout: split
    expect(browsing.page.locator("iframe.ld-terminal")).to_have_count(2)
    expect(browsing.page.locator(".ld-tab[data-tab='Docs']")).to_have_count(1)  # spec.session.dashboards


def test_lower_layout_shows_the_terminal_below_the_selected_tab(attendee, corpus, tmp_path):
    workshop = shutil.copytree(corpus / "educates-lab-workshop-session", tmp_path / "lower")
    definition = workshop / "resources" / "workshop.yaml"
    definition.write_text(definition.read_text().replace("layout: split", "layout: lower"))
    server, browsing = attendee(workshop, LABDECK_NOTES_SETUP_SCRIPTS="false")
    page = browsing.page
    expect(page.locator(".ld-tab[data-tab='Terminal']")).to_have_count(0)
    expect(page.locator(".ld-tab[data-tab='Docs']")).to_have_attribute("aria-selected", "true")
    terminal = page.locator("#ld-lower iframe.ld-terminal")
    expect(terminal).to_have_count(1)
    expect(terminal).to_be_visible()
    expect(page.locator(".ld-panel[data-tab='Docs']")).to_be_visible()  # both at once, one above the other
    docs, below = page.locator("#ld-upper").bounding_box(), page.locator("#ld-lower").bounding_box()
    assert docs["y"] + docs["height"] <= below["y"] and below["height"] < docs["height"]
    notes = notes_at(page, f"{server.url}notes/02-clickable-actions")
    block = notes.locator(".ld-action[data-action='terminal:execute']").first
    block.evaluate("block => block.setAttribute('data-args', JSON.stringify({command: 'echo low-$((30+3))'}))")
    block.click()
    expect(screen(page, "1")).to_contain_text("low-33")
    expect(page.locator(".ld-panel[data-tab='Docs']")).to_be_visible()  # the tab above stays
    assert browsing.errors == []


def test_execute_with_session_2_runs_in_the_second_terminal(attendee, corpus):
    server, browsing = attendee(corpus / "educates-lab-workshop-session")
    page = browsing.page
    notes = notes_at(page, f"{server.url}notes/02-clickable-actions")
    block = notes.locator(".ld-action[data-action='terminal:execute']").nth(1)  # session: 2
    expect(block).to_contain_text("terminal 2")
    notes.locator(".ld-action[data-action='terminal:execute']").nth(1).evaluate(
        "block => block.setAttribute('data-args', JSON.stringify({command: 'echo ran-$((20+2))', session: '2'}))")
    block.click()
    expect(screen(page, "2")).to_contain_text("ran-22")
    expect(screen(page, "1")).not_to_contain_text("ran-22")
    assert browsing.errors == []


def test_terminal_input_without_enter_leaves_the_text_unrun(attendee, corpus):
    server, browsing = attendee(corpus / "educates-lab-session-namespace")
    page = browsing.page
    notes = notes_at(page, f"{server.url}notes/04-kubernetes-console")
    block = notes.locator(".ld-action[data-action='terminal:input']").first
    block.evaluate("block => block.setAttribute('data-args', "
                   "JSON.stringify({text: 'echo typed-$((40+2))', endl: false, session: '1'}))")
    block.click()
    expect(screen(page, "1")).to_contain_text("echo typed-$((40+2))")
    page.wait_for_timeout(500)  # give a wrongly sent Enter time to show its output
    expect(screen(page, "1")).not_to_contain_text("typed-42")


def test_create_dashboard_adds_a_tab_that_open_dashboard_selects(attendee, corpus):
    server, browsing = attendee(corpus / "educates-lab-java-environment")
    page = browsing.page
    notes = notes_at(page, f"{server.url}notes/99-workshop-summary")
    notes.locator(".ld-action[data-action='dashboard:create-dashboard']").click()
    tab = page.locator(".ld-tab[data-tab='Resource']")
    expect(tab).to_have_attribute("aria-selected", "true")
    page.locator(".ld-tab[data-tab='Terminal']").click()
    expect(tab).to_have_attribute("aria-selected", "false")
    notes.locator(".ld-action[data-action='dashboard:create-dashboard']").evaluate(
        "() => parent.postMessage({labdeck: 1, action: 'dashboard:open-dashboard', args: {name: 'Resource'}},"
        " location.origin)")
    expect(tab).to_have_attribute("aria-selected", "true")


def test_section_begin_is_collapsed_until_opened(attendee, corpus_copy):
    root = corpus_copy("educates-lab-workshop-session")
    page_file = root / "workshop" / "content" / "02-clickable-actions.md"
    page_file.write_text(page_file.read_text() + "\n```section:begin\ntitle: Questions\n```\n\n"
                         "The hidden answer.\n\n```section:end\n```\n")
    server, browsing = attendee(root)
    notes = notes_at(browsing.page, f"{server.url}notes/02-clickable-actions")
    answer = notes.get_by_text("The hidden answer.")
    expect(answer).to_be_hidden()
    notes.locator("summary", has_text="Questions").click()
    expect(answer).to_be_visible()


def test_editor_action_without_an_editor_tab_says_what_it_needs(attendee, corpus):
    # labdeck-editor, when installed, would carry the action out (its own tests): leave it out
    server, browsing = attendee(corpus / "educates-lab-java-environment", LABDECK_PLUGINS="dashboard,notes,terminal")
    notes = notes_at(browsing.page, f"{server.url}notes/01-creating-an-application")
    block = notes.locator(".ld-action[data-action='editor:open-file']")
    expect(block.locator(".ld-action-needs")).to_be_visible()
    expect(block).to_contain_text("Needs the editor plugin")
