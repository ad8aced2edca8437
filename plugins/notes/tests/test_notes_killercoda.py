"""Killercoda scenarios served as they are: index.json order and titles, the code markers,
highlighted lines, a step's scripts and its check (the corpus: test_conformance_killercoda.py;
in Chromium: test_notes_killercoda_browser.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

INDEX = {
    "title": "Small Scenario",
    "description": "for the tests",
    "details": {
        "intro": {"text": "intro.md"},
        "steps": [
            {"title": "Run things", "text": "step1/text.md", "background": "step1/background.sh",
             "foreground": "step1/foreground.sh", "verify": "step1/verify.sh"},
            {"text": "step2.md"},
        ],
        "finish": {"text": "finish.md"},
    },
    "backend": {"imageid": "ubuntu"},
}

STEP1 = """\
Copy by default: `copy me` and not this: `plain`{{}}

Run `ls -lh`{{exec}} or, with Ctrl-C first, `whoami`{{exec interrupt}}

```
uname -r
pwd
```{{exec}}

```
sleep 1d
echo <b>x</b> &amp;
```{{exec interrupt}}

```
kubectl get pods
```{{copy}}

<details><summary>Solution</summary>

```plain
kubectl create namespace flower
```{{exec}}

</details>

![logo](./logo.png)
"""

STEP2 = """\
```yaml{2,4-5}
apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
```

```text
apiVersion: v1
```

```bash
echo "a normal block"
```
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    return write(tmp_path / "scenario", {
        "index.json": json.dumps(INDEX, indent=2),
        "intro.md": "Welcome to the scenario.\n",
        "step1/text.md": STEP1,
        "step1/logo.png": "png",
        "step1/background.sh": 'echo "background ran in $PWD"\necho "$MARKER" > "$OUT/background-ran"\n',
        "step1/foreground.sh": "echo fore-ground\n",
        "step1/verify.sh": "test -f /tmp/nothing\n",
        "step2.md": STEP2,
        "finish.md": "Done.\n",
        "README.md": "not a page\n",
    })


def clickable(html: str) -> list[str]:
    return re.findall(r'<(?:div|span)[^>]*class="ld-code[ "][^>]*>', html)


async def test_pages_follow_index_json_with_its_titles(scenario, renders_and_walks):
    from labdeck_notes.workshop import load_workshop

    workshop = load_workshop(scenario)
    assert workshop.title == "Small Scenario"
    assert [(p, workshop.pages[p].title) for p in workshop.sequence] == [
        ("intro", "Small Scenario"), ("step1/text", "Run things"), ("step2", "Step 2"), ("finish", "Finish")]
    client, _walked = await renders_and_walks(scenario)  # README.md is no page
    page = await (await client.get("/notes/step1/text")).text()
    assert '<span class="ld-page-title">Run things</span>' in page
    assert (await client.get("/notes/step1/logo.png")).status == 200  # images beside the step's file


async def test_exec_interrupt_and_copy_markers_are_one_clickable_element_each(scenario, notes_client):
    client = await notes_client(scenario)
    html = await (await client.get("/notes/step1/text")).text()
    elements = clickable(html)
    assert len(elements) == 7  # `copy me`, ls, whoami, 3 blocks, the solution's block
    assert "{{" not in html
    actions = [re.search(r'data-action="([^"]+)"', e).group(1) for e in elements]
    assert actions == ["workshop:copy", "terminal:execute", "terminal:execute", "terminal:execute",
                       "terminal:execute", "workshop:copy", "terminal:execute"]
    assert [bool("data-interrupt" in e) for e in elements] == [False, False, True, False, True, False, False]
    assert "<code>plain</code>" in html  # {{}} opts out
    assert "<pre><code>sleep 1d\necho &lt;b&gt;x&lt;/b&gt; &amp;amp;</code></pre>" in html  # shown and run as written
    assert '<details><summary>Solution</summary>' in html


async def test_highlighted_lines_and_text_blocks_render_as_killercoda_shows_them(scenario, notes_client):
    client = await notes_client(scenario)
    html = await (await client.get("/notes/step2")).text()
    yaml_block, text_block, _bash_block = re.findall(r'<div class="highlight">.*?</pre></div>', html, re.S)
    highlighted = re.findall(r'<span class="hll">(.*?)\n</span>', yaml_block, re.S)
    assert [re.sub(r"<[^>]+>", "", line) for line in highlighted] == ["kind: Pod", "  name: nginx", "spec:"]
    assert "{2,4-5}" not in html
    assert re.sub(r"<[^>]+>", "", text_block).strip() == "apiVersion: v1"
    assert 'class="nt"' not in text_block and 'class="nt"' in yaml_block  # text: no syntax colours
    assert clickable(html) == []  # unmarked blocks stay plain


async def test_markers_mean_nothing_in_other_workshops(tmp_path, notes_client):
    folder = write(tmp_path / "plain", {"index.md": "Inline `ls`{{exec}} and `copy me`.\n"})
    html = await (await (await notes_client(folder)).get("/notes/")).text()
    assert clickable(html) == [] and "data-action" not in html
    assert "<code>copy me</code>" in html


async def test_a_step_with_verify_shows_its_check_button(scenario, notes_client):
    client = await notes_client(scenario)
    html = await (await client.get("/notes/step1/text")).text()
    assert '<button type="button" class="ld-check-run ld-kc-check-button">Check</button>' in html
    assert "step1/verify.sh" in html
    assert "ld-kc-check-button" not in await (await client.get("/notes/step2")).text()


def labdeck(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labdeck", *args], capture_output=True, text=True, timeout=120)


def test_check_names_file_and_line_of_a_missing_script_and_an_unknown_marker(scenario):
    index = json.loads((scenario / "index.json").read_text())
    index["details"]["steps"][1]["background"] = "step2/missing.sh"
    index["details"]["assets"] = {"host01": [{"file": "x", "target": "~/"}]}
    (scenario / "index.json").write_text(json.dumps(index, indent=2))
    (scenario / "finish.md").write_text("Done.\n\n```\nls\n```{{run}}\n")
    result = labdeck("notes", "check", str(scenario))
    assert result.returncode == 1, result.stdout
    missing = next(n for n, line in enumerate((scenario / "index.json").read_text().split("\n"), 1)
                   if "missing.sh" in line)
    assert f"index.json:{missing}: error: details.steps[1].background 'step2/missing.sh': missing script" \
        in result.stdout
    assert "finish.md:5: warning: unknown code marker {{run}}" in result.stdout
    assert "index.json:" in result.stdout and "warning: details.assets are not copied" in result.stdout


def test_check_names_the_line_of_malformed_json(scenario):
    (scenario / "index.json").write_text('{\n  "title": "x",\n  "details": {\n    "steps": [\n  }\n}\n')
    result = labdeck("notes", "check", str(scenario))
    assert result.returncode == 1
    assert "index.json:5: error: malformed JSON" in result.stdout


def test_a_clean_scenario_checks_clean(scenario):
    result = labdeck("notes", "check", "--strict", str(scenario))
    assert result.returncode == 0, result.stdout


async def test_background_runs_once_with_its_output_in_a_log_and_foreground_goes_to_one_terminal(
        scenario, notes_client, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setenv("OUT", str(out))
    monkeypatch.setenv("MARKER", "from-the-environment")
    runtime = tmp_path / "run"
    client = await notes_client(scenario, runtime_dir=runtime)

    async def start(page: str, terminal: bool) -> dict:
        response = await client.post("/notes/-/killercoda/start", json={"page": page, "terminal": terminal})
        assert response.status == 200, await response.text()
        return await response.json()

    assert await start("step1/text", terminal=False) == {"foreground": None}  # outside a dashboard
    assert await start("step1/text", terminal=True) == {"foreground": "echo fore-ground\n"}
    assert await start("step1/text", terminal=True) == {"foreground": None}  # once per step
    assert await start("step2", terminal=True) == {"foreground": None}  # no scripts
    log = runtime / "killercoda" / "step1-background.log"
    for _ in range(200):
        if log.is_file() and "exited with status 0" in log.read_text():
            break
        import asyncio

        await asyncio.sleep(0.05)
    text = log.read_text()
    assert text.count("=== step1/background.sh started") == 1
    assert "background ran in" in text and "exited with status 0" in text
    assert (out / "background-ran").read_text() == "from-the-environment\n"


async def test_start_answers_404_for_a_page_that_is_no_step_and_400_for_no_json(scenario, notes_client):
    client = await notes_client(scenario)
    assert (await client.post("/notes/-/killercoda/start", json={"page": "README"})).status == 404
    assert (await client.post("/notes/-/killercoda/start", data="nonsense")).status == 400


async def test_killercoda_script_outside_the_scenario_is_refused(tmp_path, notes_client):
    outside = tmp_path / "evil.sh"
    planted = tmp_path / "planted"
    outside.write_text(f"touch {planted}\n")
    index = {"title": "t", "details": {"steps": [
        {"text": "step1.md", "background": "../evil.sh"},
        {"text": "../outside.md"},
    ]}}
    (tmp_path / "outside.md").write_text("outside\n")
    folder = write(tmp_path / "scenario", {"index.json": json.dumps(index), "step1.md": "hi\n"})
    from labdeck_notes.workshop import load_workshop

    workshop = load_workshop(folder)
    assert list(workshop.pages) == ["step1"] and "background" not in workshop.pages["step1"].meta
    messages = [p.message for p in workshop.problems]
    assert any("'../evil.sh': missing script" in m for m in messages)
    assert any("'../outside.md' is not a file inside the scenario" in m for m in messages)
    client = await notes_client(folder)
    assert (await client.post("/notes/-/killercoda/start", json={"page": "step1", "terminal": True})).status == 200
    assert (await client.get("/notes/../outside")).status == 404
    assert not planted.exists()


async def test_killercoda_start_from_another_site_is_refused(scenario, notes_client, tmp_path, monkeypatch):
    monkeypatch.setenv("OUT", str(tmp_path))
    client = await notes_client(scenario, runtime_dir=tmp_path / "run")
    response = await client.post("/notes/-/killercoda/start", json={"page": "step1/text", "terminal": True},
                                 headers={"Origin": "https://evil.example"})
    assert response.status == 403
    assert not (tmp_path / "run" / "killercoda").exists()  # no background script ran


#: the clickable actions on the command page of each ``labdeck new`` workshop
NEW_ACTIONS = {"homeroom": ["terminal:execute"] * 2 + ["workshop:copy"],
               "educates": ["terminal:execute"] * 2 + ["workshop:copy"],
               "killercoda": ["terminal:execute"] * 3 + ["workshop:copy"]}


@pytest.mark.parametrize("format_name", ["homeroom", "educates", "killercoda"])
async def test_labdeck_new_writes_a_workshop_that_passes_check_and_serves(format_name, tmp_path, notes_client):
    target = tmp_path / "new"
    result = labdeck("new", str(target), "--format", format_name)
    assert result.returncode == 0, result.stdout + result.stderr
    checked = labdeck("notes", "check", str(target))
    assert checked.returncode == 0, checked.stdout
    assert " 0 error(s)" in checked.stdout
    from labdeck_notes.workshop import load_workshop

    workshop = load_workshop(target)
    assert len(workshop.sequence) == 3
    client = await notes_client(target)
    for page_id in workshop.sequence:
        response = await client.get(f"/notes/{page_id}")
        assert response.status == 200 and 'class="ld-error"' not in await response.text(), page_id
    # the page with commands: each action block / marker is one clickable element, no source text left
    html = await (await client.get(f"/notes/{workshop.sequence[1]}")).text()
    body = html.split('<main class="ld-content">', 1)[1]
    actions = re.findall(r'<(?:div|span)[^>]* data-action="(terminal:execute|workshop:copy)"', body)
    assert sorted(actions) == sorted(NEW_ACTIONS[format_name]), actions
    assert "{{" not in body and "command: " not in body and "text: export" not in body
    if format_name == "educates":
        assert 'data-action="section:begin"' in body
    again = labdeck("new", str(target), "--format", format_name)  # never writes over a workshop
    assert again.returncode == 1 and "not an empty folder" in again.stdout
