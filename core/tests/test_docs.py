"""The docs stay true to the code: every hook and every core setting is documented."""

import re
from pathlib import Path

import pytest

from labdeck import hookspecs
from labdeck.core_settings import CORE_SETTINGS

DOCS = Path(__file__).resolve().parents[2] / "docs"
HOOKS = [name for name in dir(hookspecs) if hasattr(getattr(hookspecs, name), "labdeck_spec")]


def test_hookspecs_found():
    assert "register_routes" in HOOKS and "authorize" in HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_section(hook):
    text = (DOCS / "hooks.md").read_text()
    assert re.search(rf"^## {hook}$", text, re.M), f"docs/hooks.md has no '## {hook}' section"


@pytest.mark.parametrize("setting", CORE_SETTINGS, ids=lambda s: s.name)
def test_every_core_setting_is_in_configuration_docs(setting):
    text = (DOCS / "configuration.md").read_text()
    assert f"`{setting.env_names[0]}`" in text and f"`{setting.flag_name}`" in text
