"""Conformance: every Killercoda scenario of the corpus (``killercoda-*``) serves as on Killercoda:
its steps in index.json's order with their titles, each ``{{exec}}`` / ``{{copy}}`` marker one
clickable element, no marker text left, and ``labdeck notes check`` finds no error."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

# as the repository's conftest.py finds the corpus (its ``corpus`` fixture skips without it)
CORPUS = Path(os.environ.get("LABDECK_CORPUS", Path(__file__).resolve().parents[4] / "shared" / "corpus"))
SCENARIOS = sorted(path.name for path in CORPUS.glob("killercoda-*")) or ["killercoda-code-actions"]
EXEC = re.compile(r"\{\{(?:exec|execute)(?: [^{}]*)?\}\}")
COPY = re.compile(r"\{\{copy\}\}")


def expected_pages(folder: Path) -> list[tuple[str, str, str]]:
    """(page id, title, file) as Killercoda shows them, from index.json alone."""
    data = json.loads((folder / "index.json").read_text())
    details = data.get("details", {})
    entries = [(details["intro"], data["title"])] if "intro" in details else []
    entries += [(step, f"Step {n}") for n, step in enumerate(details.get("steps", []), 1)]
    entries += [(details["finish"], "Finish")] if "finish" in details else []
    return [(entry["text"].removesuffix(".md"), entry.get("title") or default, entry["text"])
            for entry, default in entries]


@pytest.mark.parametrize("name", SCENARIOS)
async def test_every_step_serves_in_order_with_each_marker_one_clickable_element(name, corpus, notes_client):
    folder = corpus / name
    client = await notes_client(folder)
    pages = expected_pages(folder)
    assert pages
    url: str | None = f"/notes/{pages[0][0]}"
    for position, (page_id, title, file) in enumerate(pages, 1):
        assert url == f"/notes/{page_id}"
        response = await client.get(url)
        assert response.status == 200, page_id
        html = await response.text()
        assert f'<span class="ld-page-title">{title}</span>' in html, page_id
        assert f"page {position} of {len(pages)}" in html
        assert 'class="ld-error"' not in html
        body = html.split('<main class="ld-content">', 1)[1]
        assert "{{" not in body, page_id  # no marker text left
        source = (folder / file).read_text()
        execute = re.findall(r'class="ld-code[^"]*"[^>]*data-action="terminal:execute"', body)
        copy = re.findall(r'class="ld-code[^"]*"[^>]*data-action="workshop:copy"', body)
        assert len(execute) == len(EXEC.findall(source)), page_id
        assert len(copy) >= len(COPY.findall(source)), page_id  # plain inline code copies too
        match = re.search(r'<a class="ld-nav-next" href="([^"]+)"', html)
        url = match.group(1) if match else None
    assert url is None  # the last step is the last page


@pytest.mark.parametrize("name", SCENARIOS)
def test_corpus_scenarios_have_no_errors(name, corpus):
    from labdeck_notes.check import check_workshop

    problems = check_workshop(corpus / name)
    assert [str(p) for p in problems if p.level == "error"] == []


async def test_the_code_actions_scenario_has_its_interrupt_markers(corpus, notes_client):
    client = await notes_client(corpus / "killercoda-code-actions")
    html = await (await client.get("/notes/step1")).text()
    interrupting = re.findall(r'<(?:div|span) data-interrupt="true" class="ld-code[^>]*>\s*(?:<pre>)?<code>([^<]*)',
                              html)
    assert interrupting == ["whoami", "uname -r\nwhoami"]
