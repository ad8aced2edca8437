"""The docs stay true to the code.

- docs/configuration.md's settings tables are exactly ``labdeck settings --markdown``
  (docs/gen_settings.py rewrites them);
- docs/hooks.md has a section for every hook, core's and those plugins add, opening with
  the hook's signature (its arguments exactly the hookspec's), its owner, and the repo's
  plugins that implement it;
- every hook is implemented in at least one test (as Datasette's ``test_plugin_hooks_have_tests``);
- docs/plugins.md quotes the example plugin (tests/plugin_example) as it is.

Plugins are looked at as installed (CI installs every ``plugins/*`` package); one of the
repo's plugins that is not installed here is left out of the comparisons, never guessed at.
"""

from __future__ import annotations

import difflib
import importlib.util
import inspect
import re
import tomllib
from functools import cache
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from labdeck import hookspecs
from labdeck.plugins import BUILTIN_PLUGINS, call_each, make_plugin_manager

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
CORE = "core"
SIGNATURE = re.compile(r"^`(?P<name>\w+)\((?P<args>[^)]*)\)(?: -> [^`]+)?`$")
REGENERATE = "regenerate them with: .venv/bin/python docs/gen_settings.py"


def _load_gen_settings():
    spec = importlib.util.spec_from_file_location("gen_settings", DOCS / "gen_settings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen_settings = _load_gen_settings()


# --- what the repo and this environment hold ------------------------------------------------------


@cache
def repo_plugins() -> dict[str, str]:
    """Plugin name -> entry-point value, for core's built-ins and every plugins/*/pyproject.toml."""
    found = dict(BUILTIN_PLUGINS)
    for pyproject in sorted(ROOT.glob("plugins/*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text()).get("project", {})
        found.update(project.get("entry-points", {}).get("labdeck", {}))
    return found


def _importable(value: str) -> bool:
    try:
        return importlib.util.find_spec(value.split(":")[0]) is not None
    except ModuleNotFoundError:
        return False


@cache
def installed_plugins() -> dict[str, object]:
    """The repo's plugins installed here: name -> the object registered with pluggy."""
    return {name: EntryPoint(name, value, "labdeck").load()
            for name, value in repo_plugins().items() if _importable(value)}


def missing_plugins() -> set[str]:
    return set(repo_plugins()) - set(installed_plugins())


@cache
def hook_specs() -> dict[str, tuple[str, inspect.Signature, dict]]:
    """Hook name -> (owner, signature, options): core's hookspecs and every installed plugin's."""
    specs = {}

    def add(owner: str, namespace: object) -> None:
        for name in dir(namespace):
            function = getattr(namespace, name)
            options = getattr(function, "labdeck_spec", None)
            if options is not None:
                specs[name] = (owner, inspect.signature(function), dict(options))

    add(CORE, hookspecs)
    plugins = {name: plugin for name, plugin in installed_plugins().items() if name not in BUILTIN_PLUGINS}
    pm = make_plugin_manager(discover=False, extra=plugins, environ={})
    for owner, namespace in call_each(pm, "register_hookspecs"):
        add(owner, namespace)
    return specs


def implementations(plugin: object) -> set[str]:
    """The hooks a plugin object implements: its ``@hookimpl``-marked attributes."""
    hooks = set()
    for name in dir(plugin):
        options = getattr(getattr(plugin, name, None), "labdeck_impl", None)
        if isinstance(options, dict):
            hooks.add(options.get("specname") or name)
    return hooks


def hook_sections() -> dict[str, list[str]]:
    """``## name`` section of docs/hooks.md -> its non-empty lines."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in (DOCS / "hooks.md").read_text().splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            sections[current] = []
        elif line.startswith("# "):
            current = None
        elif current is not None and line.strip():
            sections[current].append(line.strip())
    return sections


def field(lines: list[str], label: str) -> list[str] | None:
    """The backquoted names on the section's ``<label>:`` line (None when there is no such line)."""
    for line in lines:
        if line.startswith(label + ":"):
            return re.findall(r"`([\w-]+)`", line)
    return None


HOOKS = sorted(hook_specs())


# --- docs/hooks.md ---------------------------------------------------------------------------------


def test_hookspecs_found():
    assert {"register_routes", "authorize", "default_page"} <= set(HOOKS)
    if "dashboard" in installed_plugins():
        assert hook_specs()["dashboard_tabs"][0] == "dashboard"
    if "notes" in installed_plugins():
        assert hook_specs()["workshop_variables"][0] == "notes"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_section_opening_with_its_signature(hook):
    sections = hook_sections()
    assert hook in sections, f"docs/hooks.md has no '## {hook}' section"
    lines = sections[hook]
    match = SIGNATURE.match(lines[0]) if lines else None
    assert match, f"docs/hooks.md '## {hook}' must open with `{hook}(args) -> returns`, not {lines[:1]}"
    assert match["name"] == hook
    documented = [arg.strip() for arg in match["args"].split(",") if arg.strip()]
    owner, signature, options = hook_specs()[hook]
    assert documented == list(signature.parameters), (
        f"docs/hooks.md gives {hook}({', '.join(documented)}); the hookspec is {hook}{signature}")
    assert field(lines, "Owned by") == [owner], f"'## {hook}': its 'Owned by:' line must name `{owner}`"
    if options.get("firstresult"):
        assert any("firstresult" in line for line in lines), f"'## {hook}' must say it is firstresult"


@pytest.mark.parametrize("hook", HOOKS)
def test_used_by_lists_the_plugins_implementing_the_hook(hook):
    documented = field(hook_sections().get(hook, []), "Used by")
    assert documented is not None, f"docs/hooks.md '## {hook}' has no 'Used by:' line"
    expected = {name for name, plugin in installed_plugins().items() if hook in implementations(plugin)}
    unknown = missing_plugins()  # not installed here: may or may not be listed
    assert expected <= set(documented) and set(documented) - expected <= unknown, (
        f"docs/hooks.md '## {hook}': 'Used by:' lists {sorted(documented)}, "
        f"the plugins implementing it are {sorted(expected)}"
        + (f" (not installed here, so not known: {sorted(unknown)})" if unknown else ""))
    assert len(documented) == len(set(documented))


def test_every_section_is_a_hook():
    """A section for a hook that does not exist is an error, unless its owner is not installed here."""
    sections = hook_sections()
    stale = [name for name in set(sections) - set(HOOKS)
             if not set(field(sections[name], "Owned by") or [CORE]) <= missing_plugins()]
    assert not stale, f"docs/hooks.md documents hooks that do not exist: {sorted(stale)}"


# --- every hook has a test -------------------------------------------------------------------------


def hook_test_files() -> list[Path]:
    roots = [ROOT / "core" / "tests", *ROOT.glob("plugins/*/tests"), ROOT / "tests"]
    files = {path for root in roots for path in root.rglob("*.py")
             if (path.name.startswith("test_") or path.name == "conftest.py") and "node_modules" not in path.parts}
    return sorted(files - {Path(__file__).resolve()})


@pytest.mark.parametrize("hook", HOOKS)
def test_plugin_hooks_have_tests(hook):
    """Every hook is implemented (``def <hook>(``) in some test, as Datasette checks its own."""
    pattern = re.compile(rf"^\s*(async\s+)?def {hook}\(", re.M)
    assert any(pattern.search(path.read_text()) for path in hook_test_files()), (
        f"no test implements the hook {hook!r}: add one (a plugin class with "
        f"'@hookimpl def {hook}(...)' in a test that checks what core does with it)")


# --- docs/configuration.md -------------------------------------------------------------------------


def groups(markdown: str) -> dict[str, str]:
    """``### `group``` heading -> its table, from settings Markdown."""
    parts = re.split(r"^### `([\w-]+)`\n", markdown, flags=re.M)
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}


def test_settings_tables_are_generated_from_the_code():
    generated = gen_settings.generate()
    documented = gen_settings.section()
    assert groups(generated), "labdeck settings --markdown printed no tables"
    if documented == gen_settings.wrap(generated):
        return
    # a plugin of this repo that is not installed here has no table to compare with: leave its out
    absent = {name for name in groups(documented) if name in missing_plugins()}
    kept = "\n\n".join(f"### `{name}`\n\n{body}" for name, body in groups(documented).items() if name not in absent)
    if kept.strip() != generated.strip():
        diff = "\n".join(difflib.unified_diff(kept.strip().splitlines(), generated.strip().splitlines(),
                                              "docs/configuration.md", "labdeck settings --markdown", lineterm=""))
        pytest.fail(f"docs/configuration.md's settings tables differ from the code; {REGENERATE}\n{diff}")
    pytest.skip(f"tables of plugins not installed here were not checked: {', '.join(sorted(absent))}")


def test_settings_markers_once():
    text = (DOCS / "configuration.md").read_text()
    assert text.count(gen_settings.BEGIN) == 1 and text.count(gen_settings.END) == 1
    assert text.index(gen_settings.BEGIN) < text.index(gen_settings.END)


# --- docs/plugins.md -------------------------------------------------------------------------------


def test_plugin_guide_quotes_the_example_as_it_is():
    example = (ROOT / "tests/plugin_example/src/labdeck_example/__init__.py").read_text()
    guide = (DOCS / "plugins.md").read_text()
    assert f"```python\n{example}```" in guide, (
        "docs/plugins.md must quote tests/plugin_example/src/labdeck_example/__init__.py verbatim "
        "in one ```python block; copy the file into it")


def test_every_test_named_in_the_threat_model_exists():
    """docs/security.md names the test that proves each protection: each name is a real test
    (a name ending in ``_…`` is the start of one)."""
    repo = DOCS.parent
    sources = "\n".join(path.read_text() for folder in ("core", "plugins", "tests")
                        for path in (repo / folder).rglob("test_*.py"))
    named = set(re.findall(r"`(test_\w+?)(?:_…)?`", (DOCS / "security.md").read_text()))
    assert named, "docs/security.md names no tests"
    missing = sorted(name for name in named if not re.search(rf"def {re.escape(name)}\w*\(", sources))
    assert not missing, f"docs/security.md names tests that do not exist: {missing}"
