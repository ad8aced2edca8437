"""Educates workshops on small workshops of our own: the Hugo layout and the Workshop definition,
YAML-bodied action blocks, shortcodes and data variables, check, setup.d scripts.
(The corpus: test_conformance_educates.py; in the dashboard: plugins/dashboard/tests.)"""

from __future__ import annotations

import asyncio
import json
import re
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import labdeck_notes
from labdeck_notes.check import check_workshop
from labdeck_notes.formats.educates import load_definition
from labdeck_notes.formats.setup_scripts import run_scripts
from labdeck_notes.render import render_page
from labdeck_notes.workshop import load_workshop

DEFINITION = """apiVersion: training.educates.dev/v1beta1
kind: Workshop
metadata:
  name: lab-tiny
spec:
  title: Tiny Workshop
  description: A workshop of three pages.
  session:
    applications:
      terminal:
        enabled: true
        layout: split/2
      editor:
        enabled: true
    dashboards:
    - name: Docs
      url: https://example.org/docs
    - name: Extra
      url: terminal:extra
    env:
    - name: GREETING
      value: hello
"""


def make_workshop(root: Path, pages: dict[str, str], definition: str = DEFINITION) -> Path:
    (root / "resources").mkdir(parents=True)
    (root / "resources" / "workshop.yaml").write_text(definition)
    for name, text in pages.items():
        path = root / "workshop" / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def html_of(workshop, page_id: str, **values: str) -> str:
    return render_page(workshop.pages[page_id], {**workshop.config_vars, **values}).html


def test_hugo_pages_follow_weight_then_file_name_with_titles_from_toml_and_yaml(tmp_path):
    root = make_workshop(tmp_path / "w", {
        "b-second.md": "---\ntitle: Second\nweight: 2\n---\ntext\n",
        "a-unweighted.md": "+++\ntitle = 'Last'\n+++\ntext\n",
        "z-first.md": "+++\ntitle = 'First'\nweight = 1\n+++\ntext\n",
        "c-bundle/index.md": "---\nweight: 3\n---\n# Ignored heading\n",
    })
    workshop = load_workshop(root)
    assert workshop.title == "Tiny Workshop"
    assert workshop.sequence == ["z-first", "b-second", "c-bundle/index", "a-unweighted"]
    assert [workshop.pages[i].title for i in workshop.sequence] == ["First", "Second", "Ignored heading", "Last"]


def test_workshop_definition_gives_layout_dashboards_and_env(tmp_path):
    definition = load_definition(make_workshop(tmp_path / "w", {}))
    assert definition.terminal_layout == "split/2"
    assert definition.dashboards == [("Docs", "https://example.org/docs"), ("Extra", "terminal:extra")]
    assert definition.env == {"GREETING": "hello"}
    assert definition.applications == {"terminal": True, "editor": True}


def test_action_blocks_are_one_clickable_element_each_with_their_args(tmp_path):
    root = make_workshop(tmp_path / "w", {"01.md": """---
title: Actions
---
```terminal:execute
command: date
session: 2
```

```terminal:input
text: secret
endl: false
```

```dashboard:create-dashboard
name: Example
url: https://example.org/
```
"""})
    html = html_of(load_workshop(root), "01")
    blocks = re.findall(r'data-action="([^"]+)" data-args="([^"]+)"', html)
    assert [(action, json.loads(unescape(args))) for action, args in blocks] == [
        ("terminal:execute", {"command": "date", "session": "2"}),
        ("terminal:input", {"text": "secret", "endl": False, "session": "1"}),
        ("dashboard:create-dashboard", {"name": "Example", "url": "https://example.org/"}),
    ]
    assert "session: 2" not in html and "endl:" not in html  # no raw YAML


def test_section_is_a_collapsed_details_holding_its_content(tmp_path):
    root = make_workshop(tmp_path / "w", {"01.md": "```section:begin\ntitle: Questions\n```\n\nHidden text\n\n"
                                                   "```section:end\n```\n\nAfter\n"})
    html = html_of(load_workshop(root), "01")
    inside = re.search(r"<details class=\"ld-section\">(.*?)</details>", html, re.S)
    assert inside and "Hidden text" in inside.group(1) and "Questions" in inside.group(1)
    assert "After" not in inside.group(1)


def test_editor_action_says_it_needs_the_editor_plugin_never_raw_yaml(tmp_path):
    root = make_workshop(tmp_path / "w", {"01.md": "```editor:open-file\nfile: ~/exercises/app.py\nline: 3\n```\n"})
    html = html_of(load_workshop(root), "01")
    assert 'data-action="editor:open-file"' in html
    assert "Needs the editor plugin" in html
    assert "line: 3" not in html


def test_shortcodes_and_data_variables_map_to_labdeck_values(tmp_path):
    root = make_workshop(tmp_path / "w", {"01.md": """---
title: Variables
---
Namespace {{< param session_namespace >}}, classic {{ session_namespace }}, domain {{< param "ingress_domain" >}}.

{{< note >}}
A **friendly** note.
{{< /note >}}

{{< mystery thing >}}

Hugo escape: {{</* param x */>}}

Copy `Spring Web`{{< copy >}}

```bash
kubectl get pods -o template --template '{{range .items}}{{.metadata.name}}{{end}}'
```
"""})
    html = html_of(load_workshop(root), "01", project_namespace="lab-ns", cluster_subdomain="example.com")
    assert "Namespace lab-ns, classic lab-ns, domain example.com." in html
    assert re.search(r'<div class="ld-admonition ld-note">\s*<p>A <strong>friendly</strong> note.</p>', html)
    assert "mystery" not in html
    assert "{{&lt; param x &gt;}}" in html or "{{< param x >}}" in html
    assert re.search(r'class="ld-code ld-copy ld-inline-copy"[^>]*><code>Spring Web</code>', html)
    assert "{{range .items}}{{.metadata.name}}{{end}}" in unescape(html)


def test_variable_value_cannot_inject_action_fields(tmp_path):
    page = "```terminal:execute\ncommand: echo {{< param session_name >}}\n```\n"
    root = make_workshop(tmp_path / "w", {"01.md": page})
    html = html_of(load_workshop(root), "01", username="x\nsession: 3\ncommand: rm -rf ~")
    args = json.loads(unescape(re.search(r'data-args="([^"]+)"', html).group(1)))
    assert args == {"command": "echo x\nsession: 3\ncommand: rm -rf ~", "session": "1"}


def test_check_names_file_and_line_of_bad_actions_and_unknown_shortcodes(tmp_path):
    root = make_workshop(tmp_path / "w", {"01.md": """---
title: Broken
---
```terminal:execute
command: [unclosed
```

```terminal:teleport
where: mars
```

```examiner:execute-test
name: no-such-test
```

{{< mystery >}}

```section:begin
title: never ended
```
"""})
    problems = [str(p) for p in check_workshop(root)]
    text = "\n".join(problems)
    assert "workshop/content/01.md:4: error: malformed YAML in the terminal:execute block" in text
    assert "workshop/content/01.md:8: error: unknown action 'terminal:teleport'" in text
    assert "workshop/content/01.md:12: error: examiner:execute-test 'no-such-test': no script" in text
    assert "workshop/content/01.md:16: warning: unknown shortcode {{< mystery >}}" in text
    assert "workshop/content/01.md:18: error: section:begin without a section:end" in text


def test_setup_scripts_run_in_order_with_the_definition_env_and_log_their_output(tmp_path):
    root = make_workshop(tmp_path / "w", {"01.md": "x\n"})
    setup = root / "workshop" / "setup.d"
    setup.mkdir()
    (setup / "02-second.sh").write_text("echo second $GREETING\n")
    (setup / "01-first.sh").write_text("echo first; exit 3\n")
    log = tmp_path / "setup.log"
    failed = asyncio.run(run_scripts(root, root / "workshop", log))
    text = log.read_text()
    assert failed == 1
    assert text.index("first") < text.index("second hello")
    assert "exit status 3" in text


async def test_setup_scripts_run_at_start_unless_the_setting_turns_them_off(tmp_path, notes_client):
    root = make_workshop(tmp_path / "w", {"01.md": "x\n"})
    (root / "workshop" / "setup.d").mkdir()
    (root / "workshop" / "setup.d" / "01-mark.sh").write_text('echo "$1ran" >> "$WORKSHOP_DIR/marks"\n')
    off = await notes_client(root, notes_setup_scripts=False)
    assert (await off.get("/notes/01")).status == 200
    on = await notes_client(root, notes_setup_scripts=True)
    assert (await on.get("/notes/01")).status == 200
    for _ in range(200):  # the scripts run in the background of the started app
        if (root / "marks").is_file():
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)  # room for a second run to show up, were the setting ignored
    assert (root / "marks").read_text() == "ran\n"


async def test_served_page_and_dashboard_hooks_of_an_educates_workshop(tmp_path, notes_client):
    root = make_workshop(tmp_path / "w", {"01.md": "---\ntitle: One\n---\n```workshop:copy\ntext: hi\n```\n"})
    client = await notes_client(root)
    response = await client.get("/notes/01")
    html = await response.text()
    assert response.status == 200 and 'data-action="workshop:copy"' in html and "notes-actions.js" in html
    deck = SimpleNamespace(settings=SimpleNamespace(notes=SimpleNamespace(
        content=root, project_namespace="", cluster_subdomain="")))
    assert labdeck_notes.dashboard_terminal_layout(deck) == "split/2"
    assert labdeck_notes.educates_tabs(deck) == [("Docs", "https://example.org/docs"),
                                                 ("Extra", "terminal/session/extra")]


async def test_live_reload_follows_an_edit_of_the_workshop_definition(tmp_path, notes_client):
    root = make_workshop(tmp_path / "w", {"01.md": "---\ntitle: One\n---\ntext\n"})
    client = await notes_client(root)
    assert "Tiny Workshop" in await (await client.get("/notes/01")).text()
    response = await client.get("/notes/-/events?page=01")
    assert (await response.content.readuntil(b"\n\n")).startswith(b"event: version")
    assert (await response.content.readuntil(b"\n\n")).startswith(b"event: help")
    definition = root / "resources" / "workshop.yaml"
    definition.write_text(definition.read_text().replace("Tiny Workshop", "Renamed Workshop"))
    assert (await asyncio.wait_for(response.content.readuntil(b"\n\n"), 20)).startswith(b"event: change")
    response.close()
    assert "Renamed Workshop" in await (await client.get("/notes/01")).text()
