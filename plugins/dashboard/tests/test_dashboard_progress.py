"""End to end in Chromium (dashboard, real notes, real bash): a clicked command shows what it did,
and an attendee's progress survives kill -9 of every process (docs/notes.md "Progress")."""

from __future__ import annotations

import json
import os
import signal
import urllib.request
from pathlib import Path

from playwright.sync_api import expect

from labdeck_testing import wait_until

PREFIX = "/user/alice/"  # the attendee fixture's (conftest.py)

RESULTS = """# Results

```execute
false
```

```execute
sleep 1; true
```

```execute
echo never-clicked
```

```execute
sleep 300
```
"""

STEPS = {
    "01-one.md": "# One\n\n```execute\necho one-$((1+1))\n```\n",
    "02-two.md": "# Two\n\nNothing to run here.\n",
    "03-three.md": "# Three\n\n```execute\necho three\n```\n\n```execute\nfalse\n```\n",
}


def open_notes(page, server, page_id: str):
    page.locator("#ld-notes").element_handle().content_frame().goto(f"{server.url}notes/{page_id}")
    return page.frame_locator("#ld-notes")


def test_a_clicked_command_shows_its_exit_status_and_duration_and_typed_ones_change_nothing(attendee, tmp_path):
    (tmp_path / "results.md").write_text(RESULTS)
    server, browsing = attendee(tmp_path, LABDECK_NOTES_PROGRESS_FILE=str(tmp_path / "progress.sqlite"))
    page = browsing.page
    notes = open_notes(page, server, "results")
    screen = page.frame_locator("iframe.ld-terminal[data-session='1']").locator("body")
    blocks = notes.locator(".ld-execute")
    expect(blocks).to_have_count(4)

    blocks.nth(0).click()
    expect(blocks.nth(0).locator(".ld-result")).to_have_text("\u2717 1")

    blocks.nth(1).click()
    result = blocks.nth(1).locator(".ld-result")
    expect(result).to_contain_text("running")
    expect(result.locator("button")).to_have_text("Ctrl-C")  # the offer to interrupt it
    expect(result).to_have_class("ld-result ld-result-passed")
    seconds = float(result.inner_text().split()[1])
    assert 0.9 <= seconds < 5, result.inner_text()  # about the one second it slept

    terminal = page.locator("iframe.ld-terminal[data-session='1']")
    terminal.click()
    page.keyboard.type("false; echo typed-$((2*21))")
    page.keyboard.press("Enter")
    expect(screen).to_contain_text("typed-42")
    expect(blocks.nth(2).locator(".ld-result")).to_have_count(0)  # a typed command is no block's result
    expect(blocks.nth(1).locator(".ld-result")).to_have_class("ld-result ld-result-passed")
    expect(blocks.nth(0).locator(".ld-result")).to_have_text("\u2717 1")

    blocks.nth(3).click()  # a command that would run for minutes; the notes reload meanwhile
    expect(blocks.nth(3).locator(".ld-result")).to_contain_text("running")
    wait_until(lambda: saved(server)["pages"]["results"]["blocks"].get("3"), what="the start saved")
    open_notes(page, server, "results")  # the same page, loaded again
    expect(blocks.nth(3).locator(".ld-result")).to_have_text("started, no result yet")
    terminal.click()
    page.keyboard.press("Control+C")
    expect(blocks.nth(3).locator(".ld-result")).to_have_text("\u2717 130")  # the reloaded page hears the end

    blocks.nth(3).click()  # again: the block offers Ctrl-C
    blocks.nth(3).locator(".ld-result button", has_text="Ctrl-C").click()
    expect(blocks.nth(3).locator(".ld-result")).to_have_text("\u2717 130")  # bash: killed by SIGINT
    assert browsing.errors == []


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (the terminal server, its shells), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def saved(server) -> dict:
    request = urllib.request.Request(f"{server.url}notes/-/progress")
    request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in server.cookies.items()))
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def test_progress_survives_kill_9_of_labdeck_and_the_terminal_server(workshop_server, shell_home, browse, tmp_path):
    for name, text in STEPS.items():
        (tmp_path / name).write_text(text)
    env = {**shell_home, "LABDECK_NOTES_PROGRESS_FILE": str(tmp_path / "state" / "progress.sqlite")}
    server = workshop_server(tmp_path, env=env, prefix=PREFIX)
    browsing = browse(server.url.split(PREFIX)[0])
    page = browsing.page
    page.goto(f"{server.url}?token={server.token}")
    notes = page.frame_locator("#ld-notes")
    expect(notes.locator("h1")).to_contain_text("One")  # a first visit starts at the first page
    notes.locator(".ld-execute").first.click()
    expect(notes.locator(".ld-execute").first.locator(".ld-result")).to_contain_text("\u2713")
    notes.locator("a[rel='next']").click()
    expect(notes.locator("h1")).to_contain_text("Two")
    notes.locator("a[rel='next']").click()
    expect(notes.locator("h1")).to_contain_text("Three")
    notes.locator(".ld-execute").nth(1).click()
    expect(notes.locator(".ld-execute").nth(1).locator(".ld-result")).to_have_text("\u2717 1")
    wait_until(lambda: "1" in saved(server)["pages"].get("03-three", {}).get("blocks", {}), what="the result saved")

    everything = [server.process.pid, *descendants(server.process.pid)]
    assert len(everything) > 2  # labdeck, the terminal server, a shell
    for pid in everything:
        os.kill(pid, signal.SIGKILL)
    server.process.wait()

    again = workshop_server(tmp_path, env=env, prefix=PREFIX)
    browsing = browse(again.url.split(PREFIX)[0])  # another browser: nothing kept on this side
    later = browsing.page  # (the first one saw its server die: its errors are expected)
    later.goto(f"{again.url}?token={again.token}")
    notes = later.frame_locator("#ld-notes")
    expect(notes.locator("h1")).to_contain_text("Three")  # where the attendee left off
    blocks = notes.locator(".ld-execute")
    expect(blocks.nth(1).locator(".ld-result")).to_have_text("\u2717 1")
    expect(blocks.nth(0).locator(".ld-result")).to_have_count(0)  # never clicked
    expect(notes.locator(".ld-page-count")).to_have_text("page 3 of 3")
    notes.locator("a[rel='prev']").click()
    expect(notes.locator("h1")).to_contain_text("Two")
    notes.locator("a[rel='prev']").click()
    expect(notes.locator("h1")).to_contain_text("One")
    expect(notes.locator(".ld-execute").first.locator(".ld-result")).to_contain_text("\u2713")
    assert browsing.errors == []


CHECKED = {
    "01-intro.md": "# Intro\n\nHello.\n",
    "02-work.md": "# Work\n\n```examiner:execute-test\nname: ready\n```\n\n```examiner:execute-test\nname: done\n```\n",
    "03-end.md": "# End\n\nBye.\n",
}


def test_the_overview_shows_where_the_attendee_is_and_reset_forgets_it_after_asking(attendee, tmp_path):
    from labdeck_notes.progress import ProgressStore

    for name, text in CHECKED.items():
        (tmp_path / name).write_text(text)
    database = tmp_path / "progress.sqlite"
    server, browsing = attendee(tmp_path, LABDECK_NOTES_PROGRESS_FILE=str(database))
    page = browsing.page
    notes = page.frame_locator("#ld-notes")
    expect(notes.locator(".ld-page-count")).to_have_text("page 1 of 3 · 0 of 2 checks")
    notes.locator("a[rel='next']").click()
    expect(notes.locator(".ld-page-count")).to_have_text("page 2 of 3 · 0 of 2 checks")
    user = saved(server)["user"]
    ProgressStore(database).result(user, "check", "02-work", "ready", "passed")  # as a check would record it
    notes.locator(".ld-nav-home").click()
    expect(notes.locator(".ld-page-count")).to_have_text("page 2 of 3 · 1 of 2 checks")
    expect(notes.locator("li.ld-visited")).to_have_count(2)
    expect(notes.locator("li.ld-current")).to_have_text("Work")
    expect(notes.locator(".ld-resume")).to_have_attribute("href", f"{PREFIX}notes/02-work")

    page.once("dialog", lambda dialog: dialog.dismiss())  # asked, and the attendee said no
    notes.locator(".ld-reset-progress").click()
    expect(notes.locator("li.ld-visited")).to_have_count(2)
    assert saved(server)["current"] == "02-work"
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    notes.locator(".ld-reset-progress").click()
    expect(notes.locator("li.ld-visited")).to_have_count(0)
    expect(notes.locator(".ld-page-count")).to_have_text("3 pages · 0 of 2 checks")
    assert "Reset your progress?" in asked[0]
    assert saved(server)["pages"] == {}
    assert browsing.errors == []
