"""Conformance, issue 15's "Done when" over EVERY workshop of the corpus, whatever its format
(homeroom Markdown or AsciiDoc, Educates, Killercoda): each serves its pages in the author's
order with their titles; every action fence, annotated code block and exec marker of a page's
source is one clickable element on that page; no raw action YAML, shortcode or ``{{exec}}``
text is left. The workshops' setup.d scripts do not run (notes_client: they call kubectl)."""

from __future__ import annotations

import os
import re
from html import unescape
from pathlib import Path

import pytest

from labdeck_notes import actions
from labdeck_notes.workshop import load_workshop

# as the repository's conftest.py finds the corpus (its ``corpus`` fixture skips without it)
CORPUS = Path(os.environ.get("LABDECK_CORPUS", Path(__file__).resolve().parents[4] / "shared" / "corpus"))
WORKSHOPS = sorted(path.name for path in CORPUS.iterdir() if path.is_dir()) if CORPUS.is_dir() else [
    "lab-workshop-content"]

#: homeroom annotations on a Markdown fence, and on an AsciiDoc block (role or ``.role``)
MD_ANNOTATION = re.compile(r"^\s*(`{3,}|~{3,})\s*(execute(-\d|-all)?|copy|copypaste|copy-and-edit)\s*$", re.M)
ADOC_ANNOTATION = re.compile(r"^\[[^\]\n]*(role=|\.)[\"']?(execute(-\d|-all)?|copy|copypaste|copy-and-edit)\b", re.M)
#: Killercoda markers that become a clickable element (``{{copy}}`` also after inline code)
KILLERCODA_MARKER = re.compile(r"\{\{(?:exec|execute)(?: [^{}]*)?\}\}|\{\{copy\}\}")
#: what must never be shown as text: shortcodes and markers
LEFTOVER = re.compile(r"\{\{[<%]|\{\{\s*(exec|execute|copy)\b[^}]*\}\}")
CLICKABLE = re.compile(r'<(?:div|span|pre|a|button)\b[^>]*\sdata-action="(?!section:)[^"]+"')


def expected_clickables(source: str, suffix: str) -> tuple[int, list[str]]:
    """How many clickable elements the source asks for, and the action YAML lines that must not show."""
    lines = source.split("\n")
    fences = [fence for fence in actions.action_fences(lines) if not fence[2].startswith("section:")]
    raw = [body.strip().split("\n")[0] for _, _, _, body in fences if ": " in body.strip().split("\n")[0]]
    if suffix == ".adoc":
        count = len(ADOC_ANNOTATION.findall(source))
    else:
        count = len(MD_ANNOTATION.findall(source)) + len(KILLERCODA_MARKER.findall(source))
    return count + len(fences), raw


@pytest.mark.parametrize("name", WORKSHOPS)
async def test_every_corpus_workshop_serves_each_action_as_one_clickable_element(name, corpus, notes_client):
    root = corpus / name
    workshop = load_workshop(root)
    assert workshop.sequence, f"{name}: no pages"
    client = await notes_client(root)
    problems = []
    for position, page_id in enumerate(workshop.sequence, 1):
        page = workshop.pages[page_id]
        response = await client.get(f"/notes/{page_id}")
        html = await response.text()
        if response.status != 200 or 'class="ld-error"' in html:
            problems.append(f"{page_id}: status {response.status} or an error box")
            continue
        if f"page {position} of {len(workshop.sequence)}" not in html or page.title not in unescape(html):
            problems.append(f"{page_id}: not page {position} titled {page.title!r}")
        body = html.split('<main class="ld-content">', 1)[-1]
        wanted, raw = expected_clickables(page.path.read_text(encoding="utf-8"), page.path.suffix)
        found = len(CLICKABLE.findall(body))
        if found < wanted:
            problems.append(f"{page_id}: {found} clickable elements, the source has {wanted} actions")
        leftover = LEFTOVER.search(unescape(body))
        if leftover:
            problems.append(f"{page_id}: {leftover.group(0)!r} shown as text")
        problems += [f"{page_id}: raw action YAML {line!r}" for line in raw if line in unescape(body)]
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("name", WORKSHOPS)
def test_notes_check_finds_no_error_in_any_corpus_workshop(name, corpus):
    """Published workshops that work: `labdeck notes check` raises no false alarm on them (an
    Educates ``{{< param name >}}`` inside an execute block included)."""
    from labdeck_notes.check import check_workshop

    assert [str(p) for p in check_workshop(corpus / name) if p.level == "error"] == []
