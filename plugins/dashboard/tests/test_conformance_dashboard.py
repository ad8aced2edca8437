"""Conformance: real published workshops of the corpus in the dashboard, in Chromium (the
corpus: ../shared/corpus or LABDECK_CORPUS; without it these are skipped with one line at
the end of the run). Sync Playwright only: no async tests here."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("workshop", ["lab-k8s-fundamentals", "lab-couchbase-operator"])
def test_next_and_previous_walk_every_corpus_page_without_a_javascript_error(attendee, walk_buttons, corpus, workshop):
    walk_buttons(attendee(corpus / workshop)[1])
