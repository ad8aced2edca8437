"""Checks: examiner:execute-test blocks and Killercoda verify scripts, run by POST notes/-/checks/run."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sqlite3
from html import unescape
from pathlib import Path

import pytest

import labdeck_notes
from labdeck_notes.check_blocks import page_checks
from labdeck_notes.check_runner import LIMIT
from labdeck_notes.progress import ProgressStore
from labdeck_notes.workshop import load_workshop


def write(folder: Path, files: dict[str, str], executable: tuple[str, ...] = ()) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if name in executable or name.startswith("examiner/tests/"):
            path.chmod(0o755)
    return folder


CHECK_PAGE = """---
title: Deploy
---
# Deploy

```examiner:execute-test
name: {name}
title: Verify the file
args:
- {arg}
retries: .INF
delay: 1
autostart: true
```
"""


@pytest.fixture
def checks_client(labdeck_client, tmp_path):
    async def make(content: Path, **settings):
        settings.setdefault("notes_progress_file", tmp_path / "progress.sqlite")
        return await labdeck_client({"notes": labdeck_notes}, content=Path(content), auth="none", **settings)

    return make


def block_settings(html: str) -> dict:
    return json.loads(unescape(re.search(r'data-check="([^"]*)"', html).group(1)))


def markdown_workshop(tmp_path: Path, marker: Path, gate: bool = False) -> Path:
    front = "require_checks: true\n" if gate else ""
    return write(tmp_path / "ws", {
        "01-deploy.md": CHECK_PAGE.format(name="file-exists", arg=marker).replace("---\ntitle", f"---\n{front}title"),
        "02-next.md": "# Next\n\nWell done.\n",
        "03-last.md": "# Last\n",
        "examiner/tests/file-exists": "#!/bin/sh\necho looking for $1\ntest -e \"$1\"\n",
    })


async def run(client, page: str, name: str, **fields) -> dict:
    response = await client.post("/notes/-/checks/run", json={"page": page, "name": name, **fields})
    assert response.status == 200
    return await response.json()


def test_a_page_lists_its_checks_in_order_once_each_skipping_examples_inside_fences(tmp_path):
    folder = write(tmp_path / "ws", {"index.md": (
        "```examiner:execute-test\nname: b\n```\n\n````markdown\n```examiner:execute-test\nname: example\n```\n"
        "````\n\n```examiner:execute-test\nname: a\n```\n\n```examiner:execute-test\nname: b\nargs: [x]\n```\n")})
    assert page_checks(load_workshop(folder).pages["index"]) == ["b", "a"]


async def test_an_examiner_block_renders_as_a_check_with_its_settings(tmp_path, checks_client):
    client = await checks_client(markdown_workshop(tmp_path, tmp_path / "marker"))
    html = await (await client.get("/notes/01-deploy")).text()
    assert 'class="ld-action ld-check"' in html and "data-autostart" in html
    assert block_settings(html) == {"name": "file-exists", "args": [str(tmp_path / "marker")], "timeout": None,
                                    "retries": -1, "delay": 1}
    assert "retries: .INF" not in html and "Needs the examiner plugin" not in html
    assert 'src="/notes/-/static/checks.js"' in html


async def test_a_check_passes_when_its_script_exits_0_and_the_pass_is_recorded(tmp_path, checks_client):
    marker = tmp_path / "marker"
    client = await checks_client(markdown_workshop(tmp_path, marker))
    failed = await run(client, "01-deploy", "file-exists", args=[str(marker)])
    assert failed["state"] == "failed" and failed["code"] == 1
    assert failed["output"] == [f"looking for {marker}"]  # the script's own output, for the block
    marker.touch()
    assert (await run(client, "01-deploy", "file-exists", args=[str(marker)]))["state"] == "passed"
    marker.unlink()
    assert (await run(client, "01-deploy", "file-exists", args=[str(marker)]))["state"] == "failed"
    store = ProgressStore(tmp_path / "progress.sqlite")
    (user,) = {row[0] for row in sqlite3.connect(store.path).execute("SELECT user FROM results")}
    checks = store.snapshot(user)["pages"]["01-deploy"]["checks"]
    assert checks["file-exists"]["state"] == "passed"  # done once is done: a later failure keeps the pass


async def test_inputs_reach_the_script_as_json_on_stdin_and_args_as_argv(tmp_path, checks_client):
    out = tmp_path / "got"
    folder = write(tmp_path / "ws", {
        "index.md": "# Start\n\n```examiner:execute-test\nname: start-pod\ninputs:\n  schema:\n    name:\n"
                    "      type: string\n      title: 'Name:'\n      default: my-app\n      required: true\n"
                    "  form:\n  - '*'\n"
                    "  - type: submit\n    title: Start\n```\n",
        "examiner/tests/start-pod": f"#!/bin/sh\necho \"$@\" > {out}\ncat >> {out}\n",
    })
    client = await checks_client(folder)
    html = await (await client.get("/notes/index")).text()
    assert re.search(r'<input name="name" type="text" data-type="string" value="my-app" required>', html)
    assert '<button type="submit" class="ld-check-run">Start</button>' in html
    result = await run(client, "index", "start-pod", args=["a b", "c"], inputs={"name": "web"})
    assert result["state"] == "passed"
    assert out.read_text() == 'a b c\n{"name": "web"}'


async def test_a_check_runs_in_the_terminal_folder_without_labdeck_secrets(tmp_path, checks_client, monkeypatch):
    monkeypatch.setenv("LABDECK_TOKEN", "s3cret-token")
    monkeypatch.setenv("WORKSHOP_COLOUR", "green")
    home = tmp_path / "work"
    home.mkdir()
    monkeypatch.setenv("TERMINAL_HOME", str(home))
    folder = write(tmp_path / "ws", {
        "index.md": "```examiner:execute-test\nname: env\n```\n",
        "examiner/tests/env": "#!/bin/sh\npwd\necho token=$LABDECK_TOKEN colour=$WORKSHOP_COLOUR\nexit 3\n",
    })
    client = await checks_client(folder, environ={"LABDECK_TOKEN": "s3cret-token"})
    result = await run(client, "index", "env")
    assert result["code"] == 3
    assert result["output"] == [str(home), "token= colour=green"]


async def test_a_check_that_hangs_is_killed_with_its_children_at_its_timeout(tmp_path, checks_client):
    pids = tmp_path / "pids"
    folder = write(tmp_path / "ws", {
        "index.md": "```examiner:execute-test\nname: hang\ntimeout: 1\n```\n",
        "examiner/tests/hang": f"#!/bin/sh\nsleep 300 &\necho $! > {pids}\necho waiting\nwait\n",
    })
    client = await checks_client(folder)
    result = await run(client, "index", "hang", timeout=1)
    assert result["state"] == "failed" and result["timed_out"] is True
    assert result["output"] == ["waiting", "(stopped: still running after 1 s)"]
    child = int(pids.read_text())
    await asyncio.sleep(0.2)
    assert gone(child)  # the script's background sleep went with it


def gone(pid: int) -> bool:
    """No such process, or a dead one nobody reaped yet (a zombie: its parent was killed)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.parametrize("name", ["../../escape", "../index.md", "/bin/true", "sub/../../escape", ".hidden",
                                  "link-out"])
async def test_check_name_path_traversal_is_refused(tmp_path, checks_client, name):
    witness = tmp_path / "ran"
    folder = write(tmp_path / "ws", {
        "index.md": "```examiner:execute-test\nname: ok\n```\n",
        "examiner/tests/ok": "#!/bin/sh\nexit 0\n",
        "examiner/tests/.hidden": f"#!/bin/sh\ntouch {witness}\n",
    })
    write(tmp_path, {"escape": f"#!/bin/sh\ntouch {witness}\n"}, executable=("escape",))
    (folder / "examiner/tests/link-out").symlink_to(tmp_path / "escape")
    client = await checks_client(folder)
    result = await run(client, "index", name)
    assert result["state"] == "failed" and result["code"] is None
    assert "check script" in result["output"][0]
    assert not witness.exists()


async def test_checks_run_at_most_limit_at_once_and_the_rest_wait(tmp_path, checks_client):
    running, most = tmp_path / "running", tmp_path / "most"
    running.mkdir()
    folder = write(tmp_path / "ws", {
        "index.md": "```examiner:execute-test\nname: busy\n```\n",
        "examiner/tests/busy": f"#!/bin/sh\ntouch {running}/$$\nls {running} | wc -l >> {most}\nsleep 0.4\n"
                               f"rm {running}/$$\n",
    })
    client = await checks_client(folder)
    results = await asyncio.gather(*(run(client, "index", "busy") for _ in range(LIMIT + 3)))
    assert [r["state"] for r in results] == ["passed"] * (LIMIT + 3)
    counts = [int(line) for line in most.read_text().split()]
    assert len(counts) == LIMIT + 3 and max(counts) <= LIMIT


async def test_a_gated_page_keeps_later_pages_locked_until_its_check_passed(tmp_path, checks_client):
    marker = tmp_path / "marker"
    client = await checks_client(markdown_workshop(tmp_path, marker, gate=True))
    first = await (await client.get("/notes/01-deploy")).text()
    assert re.search(r'class="ld-nav-next"[^>]* data-gated aria-disabled="true"', first)
    assert "Pass this page's checks to continue." in first
    response = await client.get("/notes/03-last", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == "/notes/01-deploy?locked=03-last"
    shown = await (await client.get(response.headers["Location"])).text()
    assert "Pass this page's checks to open &ldquo;Last&rdquo;." in shown
    marker.touch()
    assert (await run(client, "01-deploy", "file-exists", args=[str(marker)]))["state"] == "passed"
    assert (await client.get("/notes/03-last", allow_redirects=False)).status == 200
    again = await (await client.get("/notes/01-deploy")).text()
    assert "data-gated" not in again and "&#34;file-exists&#34;" in again  # recorded: shown passed on reload


async def test_pages_are_not_gated_unless_the_author_asks(tmp_path, checks_client):
    client = await checks_client(markdown_workshop(tmp_path, tmp_path / "marker"))
    assert (await client.get("/notes/03-last", allow_redirects=False)).status == 200
    assert "data-gated" not in await (await client.get("/notes/01-deploy")).text()
    gated_by_setting = await checks_client(markdown_workshop(tmp_path / "two", tmp_path / "marker"),
                                           notes_require_checks=True)
    assert (await gated_by_setting.get("/notes/03-last", allow_redirects=False)).status == 302


async def test_a_killercoda_step_check_button_runs_its_verify_script(tmp_path, checks_client):
    marker = tmp_path / "panda"
    folder = write(tmp_path / "scenario", {
        "index.json": json.dumps({"title": "Verification", "details": {"steps": [
            {"title": "Create a file", "text": "step1.md", "verify": "verify.sh"},
            {"title": "Done", "text": "step2.md"}]}}),
        "step1.md": "Create the file.\n", "step2.md": "Done.\n",
        "verify.sh": f"stat {marker}\n",  # not executable: Killercoda runs it with bash
    })
    client = await checks_client(folder, notes_require_checks=True)  # Killercoda's behaviour: a step's verify gates
    html = await (await client.get("/notes/step1")).text()
    assert '<button type="button" class="ld-check-run ld-kc-check-button">Check</button>' in html
    assert "disabled" not in html.split("ld-kc-check-button")[1][:20]
    assert block_settings(html)["name"] == "verify"
    assert (await client.get("/notes/step2", allow_redirects=False)).status == 302
    failed = await run(client, "step1", "verify")
    assert failed["state"] == "failed" and "No such file or directory" in failed["output"][-1]
    marker.touch()
    assert (await run(client, "step1", "verify"))["state"] == "passed"
    assert (await client.get("/notes/step2", allow_redirects=False)).status == 200


async def test_a_check_request_that_is_not_json_or_names_no_page_is_refused(tmp_path, checks_client):
    client = await checks_client(markdown_workshop(tmp_path, tmp_path / "marker"))
    assert (await client.post("/notes/-/checks/run", data="nope")).status == 400
    assert (await client.post("/notes/-/checks/run", json={"page": "nowhere", "name": "x"})).status == 404


def test_notes_check_names_a_missing_check_script_in_a_plain_markdown_workshop(tmp_path):
    from labdeck_notes.check import check_workshop

    folder = write(tmp_path / "ws", {
        "index.md": "# Start\n\n```examiner:execute-test\nname: there\n```\n\n"
                    "```examiner:execute-test\nname: gone\n```\n",
        "examiner/tests/there": "#!/bin/sh\n",
    })
    problems = [str(p) for p in check_workshop(folder)]
    assert [p for p in problems if "examiner" in p] == [
        "index.md:7: error: examiner:execute-test 'gone': no script examiner/tests/gone"]


async def test_a_cross_site_post_cannot_run_a_check(tmp_path, checks_client):
    witness = tmp_path / "ran"
    folder = write(tmp_path / "ws", {"index.md": "```examiner:execute-test\nname: touch\n```\n",
                                     "examiner/tests/touch": f"#!/bin/sh\ntouch {witness}\n"})
    client = await checks_client(folder)
    response = await client.post("/notes/-/checks/run", json={"page": "index", "name": "touch"},
                                 headers={"Origin": "https://evil.example"})
    assert response.status == 403 and not witness.exists()
    assert (await run(client, "index", "touch"))["state"] == "passed" and witness.exists()


async def test_a_check_needs_the_attendee_signed_in(tmp_path, labdeck_client):
    witness = tmp_path / "ran"
    folder = write(tmp_path / "ws", {"index.md": "```examiner:execute-test\nname: touch\n```\n",
                                     "examiner/tests/touch": f"#!/bin/sh\ntouch {witness}\n"})
    client = await labdeck_client({"notes": labdeck_notes}, content=folder, notes_progress_file=tmp_path / "p.db")
    response = await client.post("/notes/-/checks/run", json={"page": "index", "name": "touch"},
                                 allow_redirects=False)
    assert response.status in (302, 401, 403) and not witness.exists()


def test_a_check_script_that_exits_before_labdeck_writes_its_inputs_still_reports_its_status(monkeypatch,
                                                                                               exited_spawn):
    """Under uvloop (as `labdeck serve` runs) writing to the stdin of a script that has already exited
    raised instead of being skipped: the check button showed "labdeck answered 500"."""
    uvloop = pytest.importorskip("uvloop")
    from labdeck_notes.check_runner import CheckRunner
    from labdeck_testing import make_deck

    async def run():
        runner = CheckRunner(views=None, deck=make_deck({"notes": labdeck_notes}))
        async with contextlib.aclosing(runner.lifecycle(None)) as life:
            await anext(life)
            monkeypatch.setattr(asyncio, "create_subprocess_exec", exited_spawn())
            script = ["sh", "-c", "echo gone; exit 3"]
            outcomes = [await runner.execute(script, stdin, 10) for stdin in (b"", b'{"a": 1}')]
            monkeypatch.undo()
            return outcomes

    for outcome in uvloop.run(run()):
        assert (outcome.passed, outcome.code, outcome.output) == (False, 3, ["gone"])
