"""A Killercoda scenario in real Chromium, in the dashboard beside a real terminal (``labdeck serve``
with the notes, terminal and dashboard plugins): the step's foreground script runs in the terminal,
its background script runs hidden, and ``{{exec interrupt}}`` stops a running ``sleep``."""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from labdeck_testing import wait_until

PREFIX = "/user/alice/"
STEP = """\
Start something that never ends:

```
sleep 600
```{{exec}}

Stop it and go on: `echo stopped-$((6*7))`{{exec interrupt}}
"""


def installed(name: str) -> bool:
    return any(ep.name == name for ep in entry_points(group="labdeck"))


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    folder = tmp_path / "scenario"
    (folder / "step1").mkdir(parents=True)
    (folder / "index.json").write_text(json.dumps({"title": "Interrupts", "details": {"steps": [
        {"title": "Sleep and stop", "text": "step1/text.md", "foreground": "step1/foreground.sh",
         "background": "step1/background.sh"}]}}))
    (folder / "step1" / "text.md").write_text(STEP)
    (folder / "step1" / "foreground.sh").write_text("echo foreground-$((20+22))\n")
    (folder / "step1" / "background.sh").write_text(f"echo hidden > {tmp_path / 'background-ran'}\n")
    return folder


@pytest.fixture
def shell(tmp_path: Path) -> dict[str, str]:
    """bash without the machine's start files, a plain prompt."""
    home = tmp_path / "home"
    home.mkdir()
    script = home / "workshop-shell"
    script.write_text('#!/bin/sh\nPS1="$ " HISTFILE=/dev/null exec /bin/bash --noprofile --norc -i\n')
    script.chmod(0o755)
    return {"HOME": str(home), "TERMINAL_HOME": str(home), "LABDECK_TERMINAL_SHELL": str(script),
            "LABDECK_RUNTIME_DIR": str(tmp_path / "run")}


def test_exec_interrupt_stops_a_running_sleep_and_the_step_scripts_run(chromium, labdeck_server, scenario,
                                                                      shell, tmp_path):
    from playwright.sync_api import expect

    missing = [name for name in ("terminal", "dashboard") if not installed(name)]
    if missing:
        pytest.skip(f"needs labdeck-{' and labdeck-'.join(missing)} installed")
    server = labdeck_server(env={"WORKSHOP_DIR": str(scenario), "URI_ROOT_PATH": PREFIX, **shell})
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{server.url}?token={server.token}")
        expect(page).to_have_url(server.url + "dashboard/")
        terminal = page.frame_locator("iframe.ld-terminal[data-session='1']").locator("body")
        notes = page.frame_locator("#ld-notes")
        page.locator("#ld-notes").element_handle().content_frame().goto(f"{server.url}notes/step1/text")
        expect(notes.locator(".ld-page-title")).to_have_text("Sleep and stop")

        expect(terminal).to_contain_text("foreground-42")  # the step's foreground script ran there
        notes.locator(".ld-code", has_text="sleep 600").click()
        expect(terminal).to_contain_text("sleep 600")
        notes.locator(".ld-code[data-interrupt]").click()
        # only a shell that got its prompt back runs this; a sleep would just echo the keys
        expect(terminal).to_contain_text("stopped-42")
        ran = tmp_path / "background-ran"
        wait_until(lambda: ran.is_file() and ran.read_text() == "hidden\n")  # hidden: not in the terminal
        assert "hidden" not in terminal.inner_text()
        log = tmp_path / "run" / "killercoda" / "step1-background.log"
        assert "=== step1/background.sh started" in log.read_text()
        assert errors == []
    finally:
        context.close()
