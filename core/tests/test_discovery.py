"""Plugin discovery reads the installed entry points itself (discovery.py): it must find what
importlib.metadata finds, as a plugin's installer leaves it."""

from __future__ import annotations

import importlib.metadata
import sys
import textwrap

import pytest

from labdeck.discovery import distribution_of, entry_points


@pytest.mark.parametrize("group", ["labdeck", "console_scripts", "pytest11"])
def test_finds_what_importlib_metadata_finds_in_this_environment(group):
    expected = sorted((ep.name, ep.value) for ep in importlib.metadata.entry_points(group=group))
    assert expected, f"nothing installed in {group}: the comparison would prove nothing"
    assert sorted((found.name, found.value) for found in entry_points(group)) == expected


def write_metadata(folder, name, text, suffix=".dist-info", version="1.0"):
    metadata = folder / f"{name}-{version}{suffix}"
    metadata.mkdir(parents=True)
    (metadata / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (metadata / "entry_points.txt").write_text(textwrap.dedent(text))
    return metadata


def test_the_first_distribution_of_a_name_on_the_path_wins(tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    write_metadata(first, "labdeck_greeter", "[labdeck]\ngreeter = greeter_new\n", version="2.0")
    write_metadata(second, "Labdeck.Greeter", "[labdeck]\ngreeter = greeter_old\nextra = greeter_extra\n")
    path = [str(first), str(second)]
    found = list(entry_points("labdeck", path))
    assert [(f.name, f.value) for f in found] == [("greeter", "greeter_new")]
    monkeypatch.setattr(sys, "path", path)  # importlib.metadata, asked about the same folders, agrees
    agreed = [(ep.name, ep.value) for ep in importlib.metadata.entry_points(group="labdeck")]
    assert agreed == [("greeter", "greeter_new")]
    assert distribution_of(found[0].metadata) == ("labdeck_greeter", "2.0")


def test_egg_info_sections_comments_and_what_is_not_metadata(tmp_path):
    write_metadata(tmp_path, "develop_plugin", """\
        # a comment
        [console_scripts]
        tool = develop_plugin.cli:main

        [labdeck]
        ; another comment
        develop = develop_plugin.hooks:Plugin.instance [extra]
        """, suffix=".egg-info")
    (tmp_path / "distutils_only-1.0.egg-info").write_text("Metadata-Version: 1.0\n")  # a file, not a folder
    (tmp_path / "no_entry_points-1.0.dist-info").mkdir()
    found = list(entry_points("labdeck", [str(tmp_path), str(tmp_path / "missing"), sys.executable]))
    assert [(f.name, f.value) for f in found] == [("develop", "develop_plugin.hooks:Plugin.instance [extra]")]


def test_load_follows_the_module_and_the_attribute_path(tmp_path, monkeypatch):
    package = tmp_path / "found_plugin"
    package.mkdir()
    (package / "__init__.py").write_text("class Plugin:\n    instance = 'the instance'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    write_metadata(tmp_path, "found_plugin", "[labdeck]\nwhole = found_plugin\n"
                   "part = found_plugin:Plugin.instance [x]\n")
    loaded = {found.name: found.load() for found in entry_points("labdeck", [str(tmp_path)])}
    assert loaded["whole"].__name__ == "found_plugin" and loaded["part"] == "the instance"
