"""Conformance: the Educates workshops of the corpus that use editor actions, run in the dashboard
with the light editor in real Chromium: each block is clicked in the notes as an attendee would,
and the file on disk (or the editor) shows what Educates' editor would.

Both workshops start from a Spring Boot project that an earlier step downloads from the Spring
Initializr tab (a site this machine cannot reach): the tests write the project's
DemoApplication.java, as the Initializr generates it, into the attendee's home first.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

SOURCE = "exercises/demo/src/main/java/com/example/demo/DemoApplication.java"
GENERATED = """package com.example.demo;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class DemoApplication {

	public static void main(String[] args) {
		SpringApplication.run(DemoApplication.class, args);
	}

}
"""


@pytest.fixture
def project(home: Path) -> Path:
    """The Initializr's download, unpacked where the workshops expect it."""
    source = home / SOURCE
    source.parent.mkdir(parents=True)
    source.write_text(GENERATED)
    return source


def notes_at(page, url):
    frame = page.locator("#ld-notes").element_handle().content_frame()
    frame.goto(url)
    return page.frame_locator("#ld-notes")


def editor_frame(page):
    frame = page.locator("iframe[title=Editor]").element_handle().content_frame()
    frame.wait_for_function("() => window.labdeckEditor")
    frame.evaluate("() => window.labdeckEditor.idle()")
    return frame


def block(notes, action, index=0):
    return notes.locator(f".ld-action[data-action='{action}']").nth(index)


def test_spring_app_replaces_the_generated_code_through_the_editor(open_dashboard, corpus, project):
    page, url = open_dashboard(corpus / "educates-lab-creating-a-spring-app")
    notes = notes_at(page, f"{url}notes/exercises/03-adding-application-code")
    expect(block(notes, "editor:select-matching-text").locator(".ld-action-needs")).to_be_hidden()

    block(notes, "editor:select-matching-text").click()
    expect(block(notes, "editor:select-matching-text").locator(".ld-code-feedback")).to_have_text(
        f"Selected lines 1-14 of {SOURCE}")
    expect(page.get_by_role("tab", name="Editor")).to_have_attribute("aria-selected", "true")
    frame = editor_frame(page)
    expect(frame.locator('.le-tab[data-path="' + SOURCE + '"]')).to_have_attribute("aria-selected", "true")
    selected = frame.evaluate("() => { const s = labdeckEditor.view.state; const r = s.selection.main;"
                              " return s.sliceDoc(r.from, r.to); }")
    assert selected == GENERATED  # `after: 999`: from the package line to the end, as VS Code selects it

    replace = block(notes, "editor:replace-text-selection")
    replacement = json.loads(replace.get_attribute("data-args"))["text"]
    replace.click()
    expect(replace.locator(".ld-code-feedback")).to_have_text(f"Replaced the selection in {SOURCE}")
    assert project.read_text() == replacement  # `text: |-`: the file ends without a line break, as in Educates
    assert replacement.startswith("package com.example.demo;") and '@GetMapping("/hello")' in replacement

    notes = notes_at(page, f"{url}notes/exercises/05-testing-the-application")
    page.get_by_role("tab", name="Terminal").click()
    block(notes, "editor:open-file").click()
    expect(page.get_by_role("tab", name="Editor")).to_have_attribute("aria-selected", "true")
    expect(editor_frame(page).locator(".cm-content")).to_contain_text("public String hello(")
    expect(block(notes, "editor:open-file").locator(".ld-code-feedback")).to_have_text(f"Opened {SOURCE}")


def test_java_environment_opens_the_editor_tab_and_the_generated_source(open_dashboard, corpus, project):
    page, url = open_dashboard(corpus / "educates-lab-java-environment")
    notes = notes_at(page, f"{url}notes/01-creating-an-application")
    notes.locator(".ld-action[data-action='dashboard:open-dashboard']").first.click()  # name: Editor
    expect(page.get_by_role("tab", name="Editor")).to_have_attribute("aria-selected", "true")
    page.get_by_role("tab", name="Terminal").click()

    block(notes, "editor:open-file").click()
    expect(page.get_by_role("tab", name="Editor")).to_have_attribute("aria-selected", "true")
    frame = editor_frame(page)
    expect(frame.locator(".cm-content")).to_contain_text("public class DemoApplication")
    expect(frame.locator('.le-tab[data-path="' + SOURCE + '"]')).to_have_attribute("aria-selected", "true")


def test_a_missing_project_is_said_on_the_clicked_block(open_dashboard, corpus, home):
    page, url = open_dashboard(corpus / "educates-lab-java-environment")  # the Initializr step was skipped
    notes = notes_at(page, f"{url}notes/01-creating-an-application")
    block(notes, "editor:open-file").click()
    failed = block(notes, "editor:open-file").locator(".ld-action-failed")
    expect(failed).to_have_text(f"editor:open-file: '{SOURCE}' does not exist")
    expect(failed).to_have_attribute("role", "alert")
