"""Conformance: labdeck renders the real published workshops of the corpus (../shared/corpus,
LABDECK_CORPUS); without the corpus these are skipped with one line at the end of the run."""

from __future__ import annotations

import pytest

WORKSHOPS = ("lab-workshop-content", "lab-k8s-fundamentals", "lab-couchbase-operator")


@pytest.mark.parametrize("name", WORKSHOPS)
async def test_every_corpus_page_renders_and_the_chain_walks_first_to_last(name, corpus, renders_and_walks):
    await renders_and_walks(corpus / name)


@pytest.mark.parametrize("name", WORKSHOPS)
def test_corpus_workshops_have_no_errors(name, corpus):
    from labdeck_notes.check import check_workshop

    problems = check_workshop(corpus / name)
    assert [str(p) for p in problems if p.level == "error"] == []


async def test_couchbase_order_follows_front_matter(corpus, notes_client):
    client = await notes_client(corpus / "lab-couchbase-operator")
    home = await (await client.get("/notes/")).text()
    assert "Workshop Overview" in home and "page 1 of 6" in home
    assert "<title>Workshop Overview · Using the Couchbase operator</title>" in home
