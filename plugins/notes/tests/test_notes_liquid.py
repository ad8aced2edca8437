"""Liquid templates when the workshop asks for them (``template_engine: liquid.js``)."""

from __future__ import annotations

import re
import shutil
import textwrap
from html import unescape
from pathlib import Path

import pytest

from labdeck_notes.render import render_page
from labdeck_notes.workshop import load_workshop

VALUES = {"username": "alice", "cluster_subdomain": "apps.example.com", "project_namespace": "ns-alice"}


def liquid_workshop(tmp_path: Path, pages: dict[str, str], where: str = "modules") -> Path:
    """A modules.yaml workshop whose pages are ``pages``; ``where`` says which file asks for Liquid."""
    base = tmp_path / "workshop"
    (base / "content").mkdir(parents=True)
    config = "config:\n  template_engine: liquid.js\n" if where == "modules" else ""
    modules = "".join(f"  {name}:\n    name: {name.title()}\n" for name in pages)
    (base / "modules.yaml").write_text(f"{config}modules:\n{modules}")
    if where == "workshop":
        (base / "workshop.yaml").write_text("name: W\ntemplate_engine: liquid.js\n")
    for name, text in pages.items():
        (base / "content" / name).with_suffix(".md").write_text(textwrap.dedent(text).lstrip("\n"))
    return tmp_path


def rendered(tmp_path: Path, text: str, values=VALUES, where: str = "modules"):
    workshop = load_workshop(liquid_workshop(tmp_path, {"p": text}, where))
    return render_page(workshop.pages["p"], values)


def test_liquid_fills_the_workshop_variables(tmp_path):
    html = rendered(tmp_path, """
        Log in as `{{username}}` at http://console.{{ cluster_subdomain }}/ in {{ project_namespace | upcase }}.
        """).html
    assert "<code>alice</code>" in html
    assert "http://console.apps.example.com/" in html
    assert "NS-ALICE" in html


def test_liquid_tags_work_and_an_unknown_variable_is_empty_as_in_liquidjs(tmp_path):
    html = rendered(tmp_path, """
        {% if username == "alice" %}Welcome back.{% endif %} [{{ no_such_thing }}]
        {% raw %}{{ username }}{% endraw %} stays as written.
        """).html
    assert "Welcome back." in html and "[]" in html
    assert "{{ username }} stays as written." in html


def test_shell_templates_in_commands_survive(tmp_path):
    html = rendered(tmp_path, """
        ```execute
        oc get route web -o template --template '{{.spec.host}}'; echo {{username}}
        oc get pods -o go-template='{{range .items}}{{.metadata.name}}{{"\\n"}}{{end}}'
        ```

        Inline: `kubectl get svc -o go-template='{{ .spec.clusterIP }}'` for {{username}}.
        """).html
    code = unescape(re.search(r'data-action="terminal:execute".*?<code>(.*?)</code>', html, re.S).group(1))
    assert code == ("oc get route web -o template --template '{{.spec.host}}'; echo alice\n"
                    "oc get pods -o go-template='{{range .items}}{{.metadata.name}}{{\"\\n\"}}{{end}}'")
    assert "go-template=&#x27;{{ .spec.clusterIP }}&#x27;" in html or "go-template='{{ .spec.clusterIP }}'" in html
    assert "for alice." in html


def test_percent_variables_are_left_to_liquid_workshops_as_the_original_did(tmp_path):
    assert "%username%" in rendered(tmp_path, "Hello %username%.\n").html


def test_a_workshop_without_liquid_keeps_braces_and_fills_percent_variables(tmp_path):
    workshop = liquid_workshop(tmp_path, {"p": "{{username}} and %username%\n"})
    (workshop / "workshop" / "modules.yaml").write_text("modules:\n  p:\n    name: P\n")
    html = render_page(load_workshop(workshop).pages["p"], VALUES).html
    assert "{{username}} and alice" in html


def test_workshop_yaml_can_ask_for_liquid(tmp_path):
    assert "Hi alice" in rendered(tmp_path, "Hi {{ username }}\n", where="workshop").html


def test_a_broken_liquid_template_names_its_line_and_the_page_still_shows(tmp_path):
    result = rendered(tmp_path, """
        ---
        Title: Broken
        ---
        First line.

        {% if username %}never closed
        """)
    assert result.error is not None and result.error.file.endswith("p.md") and result.error.line == 6
    assert 'class="ld-error"' in result.html and "Liquid template" in result.html
    assert "First line." in result.html


async def test_the_served_page_is_rendered_with_liquid(tmp_path, notes_client):
    folder = liquid_workshop(tmp_path, {"p": "Console: http://console.{{ cluster_subdomain }}/\n"})
    client = await notes_client(folder, cluster_subdomain="apps.example.com")
    assert "http://console.apps.example.com/" in await (await client.get("/notes/p")).text()


@pytest.mark.skipif(shutil.which("node") is None, reason="config.js needs node")
def test_config_js_can_ask_for_liquid(tmp_path):
    folder = liquid_workshop(tmp_path, {"p": "Hi {{ username }}\n"}, where="none")
    (folder / "workshop" / "config.js").write_text(
        "module.exports = function (workshop) { workshop.template_engine('liquid.js'); };\n")
    assert "Hi alice" in render_page(load_workshop(folder).pages["p"], VALUES).html
