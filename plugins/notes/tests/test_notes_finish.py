"""The last page's finish button and RESTART_URL: where it leads, that it asks first (the asking
itself, in Chromium: test_notes_blocks_browser.py), and what RESTART_URL may be."""

from __future__ import annotations

from pathlib import Path

import pytest

import labdeck_notes
from labdeck import SettingsError
from labdeck_testing import make_deck

MODULES = """config:
  vars:
  - name: restart_url
    value: https://evil.example/phish
modules:
  index:
    name: Start
  finish:
    name: Summary
    exit_sign: Finish Workshop
"""


@pytest.fixture
def workshop(tmp_path: Path) -> Path:
    content = tmp_path / "workshop" / "content"
    content.mkdir(parents=True)
    (tmp_path / "workshop" / "modules.yaml").write_text(MODULES)
    (content / "index.md").write_text("Hello.\n")
    (content / "finish.md").write_text("Restart at %restart_url%.\n")
    return tmp_path


async def test_finish_leads_to_restart_url_after_asking(notes_client, workshop):
    client = await notes_client(workshop, environ={"RESTART_URL": "/hub/spawn/alice"})
    html = await (await client.get("/notes/finish")).text()
    assert '<a class="ld-exit-button" href="/hub/spawn/alice" target="_top" data-finish>Finish Workshop</a>' in html
    assert '<a class="ld-finish-restart" href="/hub/spawn/alice" target="_top">Restart</a>' in html
    first = await (await client.get("/notes/index")).text()
    assert "data-finish" not in first and "<dialog" not in first  # only the last page finishes


async def test_a_workshop_variable_cannot_point_the_finish_button_elsewhere(notes_client, workshop):
    """The workshop's own restart_url variable fills %restart_url% in text, as the original's
    did; the button's target is the operator's RESTART_URL alone, as the original's was."""
    client = await notes_client(workshop, environ={"RESTART_URL": "https://hub.example/restart"})
    html = await (await client.get("/notes/finish")).text()
    assert html.count('href="https://hub.example/restart"') == 2  # the button and the dialog's Restart
    assert 'href="https://evil.example' not in html


async def test_without_restart_url_the_finish_button_goes_to_the_overview_without_asking(notes_client, workshop):
    client = await notes_client(workshop)
    html = await (await client.get("/notes/finish")).text()
    assert '<a class="ld-exit-button" href="/notes/-/overview">Finish Workshop</a>' in html  # the overview
    assert "<dialog" not in html


@pytest.mark.parametrize("value", ["javascript:alert(document.cookie)", "JavaScript:alert(1)",
                                   "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
                                   "restart"])
def test_javascript_url_as_restart_url_is_refused_at_start(value):
    """RESTART_URL is the href of a button in the notes page: a script URL there would run as the attendee."""
    with pytest.raises(SettingsError, match=r"RESTART_URL.*a restart URL is http:// or https:// or a path"):
        make_deck({"notes": labdeck_notes}, environ={"RESTART_URL": value})


@pytest.mark.parametrize("value", ["https://hub.example/hub/spawn", "/restart", ""])
def test_restart_url_takes_http_urls_and_paths(value):
    restart_url = make_deck({"notes": labdeck_notes}, environ={"RESTART_URL": value}).settings.notes.restart_url
    assert restart_url == (value or None)  # set but empty is unset
