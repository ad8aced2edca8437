"""The variables the original workshop images knew, from every place they came from."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import labdeck_notes
from labdeck_notes.workshop import load_workshop

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="config.js needs node")


def workshop_at(tmp_path: Path, modules: str = "", workshop: str = "", config_js: str = "") -> Path:
    base = tmp_path / "workshop"
    (base / "content").mkdir(parents=True)
    (base / "content" / "p.md").write_text("Registry %image_registry%, version %OC_VERSION%.\n")
    for name, text in (("modules.yaml", modules), ("workshop.yaml", workshop), ("config.js", config_js)):
        if text:
            (base / name).write_text(text)
    return tmp_path


async def test_image_registry_comes_from_openshift_image_registry(tmp_path, notes_client):
    setting = next(s for s in labdeck_notes.register_settings() if s.name == "image_registry")
    assert setting.env == "OPENSHIFT_IMAGE_REGISTRY"
    client = await notes_client(workshop_at(tmp_path), image_registry="registry.example.com:5000")
    assert "Registry registry.example.com:5000," in await (await client.get("/notes/p")).text()


def test_workshop_yaml_vars_not_declared_in_modules_yaml_are_variables(tmp_path):
    folder = workshop_at(tmp_path, modules="modules:\n  p: {name: P}\n",
                         workshop="name: W\nvars:\n  OC_VERSION: '4.2'\n  EXTRA: x\nmodules:\n  activate: [p]\n")
    assert load_workshop(folder, environ={}).config_vars == {"OC_VERSION": "4.2", "EXTRA": "x"}
    assert load_workshop(folder, environ={"OC_VERSION": "4.5"}).config_vars["OC_VERSION"] == "4.5"


@needs_node
def test_config_js_data_variable_takes_aliases_and_environment_as_the_original(tmp_path):
    folder = workshop_at(tmp_path, config_js="""
        module.exports = function (workshop) {
          workshop.data_variable('plain', 'default');
          workshop.data_variable('aliased', 'default', ['FIRST_ALIAS', 'SECOND_ALIAS']);
          workshop.data_variable('one_alias', 'default', 'ONE_ALIAS');
          workshop.data_variable('by_name', 'default');
        };
        """)
    values = load_workshop(folder, environ={"SECOND_ALIAS": "from-alias", "ONE_ALIAS": "one",
                                            "by_name": "from-env", "aliased": "not-an-alias"}).config_vars
    assert values == {"plain": "default", "aliased": "from-alias", "one_alias": "one", "by_name": "from-env"}


@needs_node
def test_config_js_calling_the_rest_of_the_workshop_api_is_not_ignored(tmp_path):
    folder = workshop_at(tmp_path, config_js="""
        module.exports = function (workshop) {
          workshop.site_title('Titled by config.js');
          workshop.google_tracking_id('UA-1234-5');
          workshop.template_engine('liquid.js');
          workshop.module_metadata('second', 'Second page', 'Finish');
          workshop.module_metadata('p', 'First page');
          workshop.data_variable('OC_VERSION', '4.2');
        };
        """)
    (folder / "workshop" / "content" / "second.md").write_text("two\n")
    workshop = load_workshop(folder, environ={})
    assert workshop.problems == []
    assert workshop.title == "Titled by config.js"
    assert "gtag('config','UA-1234-5')" in (workshop.analytics or "")
    assert workshop.template_engine == "liquid.js" and workshop.pages["p"].template_engine == "liquid.js"
    assert workshop.sequence == ["second", "p"]
    assert [workshop.pages[i].title for i in workshop.sequence] == ["Second page", "First page"]
    assert workshop.pages["second"].exit_sign == "Finish"
    assert workshop.config_vars == {"OC_VERSION": "4.2"}


@needs_node
def test_config_js_analytics_tracking_code_is_the_pages_tracking_code(tmp_path):
    folder = workshop_at(tmp_path, config_js=(
        "module.exports = function (w) { w.analytics_tracking_code('<script>track()</script>'); };\n"))
    assert load_workshop(folder, environ={}).analytics == "<script>track()</script>"
