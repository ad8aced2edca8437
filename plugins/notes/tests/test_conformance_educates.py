"""Conformance: every Educates workshop of the corpus serves its pages in the author's order with
their titles; every action fence of the source is one clickable element on its page, and no raw
YAML or shortcode text is left."""

from __future__ import annotations

import re

import pytest

from labdeck_notes import actions
from labdeck_notes.workshop import load_workshop

EDUCATES = ["educates-lab-k8s-fundamentals", "educates-lab-creating-a-spring-app", "educates-lab-examiner-scripts",
            "educates-lab-session-namespace", "educates-lab-java-environment", "educates-lab-workshop-session"]
LEGACY = re.compile(r"^\s*```(execute(-\d|-all)?|copy(-and-edit)?)\s*$", re.M)


def expected_titles(root) -> list[str]:
    """The titles as the author wrote them: front matter ``title``, or modules.yaml ``name``."""
    workshop = load_workshop(root)
    return [workshop.pages[i].title for i in workshop.sequence]


@pytest.mark.parametrize("name", EDUCATES)
async def test_every_page_serves_in_order_with_one_element_per_action(corpus, notes_client, name):
    root = corpus / name
    workshop = load_workshop(root)
    assert workshop.dialect == "educates" and workshop.problems == []
    client = await notes_client(root)
    for position, page_id in enumerate(workshop.sequence):
        page = workshop.pages[page_id]
        response = await client.get(f"/notes/{page_id}")
        html = await response.text()
        assert response.status == 200, page_id
        assert f"<title>{page.title}" in html or page.title in html
        source = page.path.read_text()
        fences = list(actions.action_fences(source.split("\n")))
        assert html.count('data-action="') - html.count('data-action="section:') >= len(fences) + len(
            LEGACY.findall(source)) - sum(w.startswith("section:") for _, _, w, _ in fences), page_id
        for _, _, word, body in fences:
            if word.startswith("section:"):
                continue
            assert f'data-action="{word}"' in html, (page_id, word)
            first_field = body.strip().split("\n")[0]
            if ": " in first_field:
                assert first_field not in html, (page_id, first_field)  # no raw YAML
        assert "{{<" not in html and "{{%" not in html and "ld-error" not in html, page_id
        assert not re.search(r"\{\{\s*(copy|session_namespace|ingress_domain)\s*\}\}", html), page_id
        if position + 1 < len(workshop.sequence):
            assert f'href="{workshop.sequence[position + 1].split("/")[-1]}' in html or \
                workshop.sequence[position + 1] in html, page_id


def test_pages_are_in_the_authors_order(corpus):
    workshop = load_workshop(corpus / "educates-lab-workshop-session")
    assert workshop.sequence == ["00-workshop-overview", "01-workshop-instructions/index", "02-clickable-actions",
                                 "03-terminal-environment", "04-session-lifecycle", "99-workshop-summary"]
    spring = load_workshop(corpus / "educates-lab-creating-a-spring-app")
    assert spring.sequence[:3] == ["workshop-overview", "setup-environment", "exercises/01-using-start-spring-io"]
    assert spring.title == "Creating a Spring Boot application"
