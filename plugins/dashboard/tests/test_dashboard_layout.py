"""What the dashboard shows for which settings and plugins (no server, no browser)."""

from __future__ import annotations

import pytest

import labdeck_dashboard
from labdeck import Tab, hookimpl
from labdeck.plugins import make_plugin_manager
from labdeck.settings import Settings, SettingsError, check_unique, load_settings
from labdeck_dashboard.layout import build_layout, parse_tabs, resolve_url


class FakePlugin:
    """Stands in for a plugin by name only: the dashboard asks ``pm.get_plugin(name)``."""


class ConsolePlugin:
    @hookimpl
    def dashboard_tabs(self, settings):
        return [Tab("Console", "console/", title="Web console")]


def settings_for(environ: dict[str, str], prefix: str = "/") -> Settings:
    specs = check_unique(("dashboard", spec) for spec in labdeck_dashboard.register_settings())
    return load_settings(specs, environ=environ).replace(prefix=prefix)


def manager(*names: str):
    plugins = {"dashboard": labdeck_dashboard}
    for name in names:
        plugins[name] = ConsolePlugin() if name == "console" else FakePlugin()
    return make_plugin_manager(extra=plugins, discover=False, environ={})


def test_operator_tabs_parse_names_and_urls():
    assert parse_tabs("Docs=https://example.org/a?b=c, Grafana Board = grafana/") == (
        Tab("Docs", "https://example.org/a?b=c"),
        Tab("Grafana Board", "grafana/"),
    )
    assert parse_tabs("") == ()


@pytest.mark.parametrize("text", ["Docs", "=x", "Docs=", "Evil=javascript:alert(1)", "Data=data:text/html,x"])
def test_operator_tab_without_name_or_url_stops_the_start(text):
    with pytest.raises(SettingsError, match="LABDECK_DASHBOARD_TABS"):
        settings_for({"LABDECK_DASHBOARD_TABS": text})


def test_tab_urls_relative_to_the_prefix():
    assert resolve_url("grafana/", "/user/alice/") == "/user/alice/grafana/"
    assert resolve_url("/elsewhere/", "/user/alice/") == "/elsewhere/"
    assert resolve_url("https://example.org/", "/user/alice/") == "https://example.org/"


@pytest.mark.parametrize(
    ("terminal_tab", "sessions", "sizes"),
    [(None, ("1",), (100,)), ("split", ("1", "2"), (60, 40)), ("split/2", ("1", "2", "3"), (50, 25, 25))],
)
def test_terminal_tab_setting_stacks_terminals(terminal_tab, sessions, sizes):
    environ = {"TERMINAL_TAB": terminal_tab} if terminal_tab else {}
    layout = build_layout(settings_for(environ), manager("terminal", "notes"))
    assert (layout.sessions, layout.session_sizes) == (sessions, sizes)


def test_unknown_terminal_tab_value_stops_the_start():
    with pytest.raises(SettingsError, match="TERMINAL_TAB"):
        settings_for({"TERMINAL_TAB": "split/3"})


def test_plugin_tabs_come_before_operator_tabs_all_under_the_prefix():
    settings = settings_for({"LABDECK_DASHBOARD_TABS": "Docs=https://example.org/"}, prefix="/user/alice/")
    layout = build_layout(settings, manager("terminal", "notes", "console"))
    assert [(tab.name, tab.url) for tab in layout.tabs] == [
        ("Console", "/user/alice/console/"),
        ("Docs", "https://example.org/"),
    ]
    config = layout.client_config()
    assert config["notesUrl"] == "/user/alice/notes/"
    assert config["terminalUrl"] == "/user/alice/terminal/"
    assert config["tabs"][0]["title"] == "Web console"


def test_without_the_terminal_plugin_there_are_only_notes():
    layout = build_layout(settings_for({"TERMINAL_TAB": "split"}), manager("notes"))
    assert layout.sessions == () and layout.terminal_url is None
    assert layout.notes_url == "/notes/"
    assert not layout.has_work_area


def test_without_the_notes_plugin_there_are_only_terminals():
    layout = build_layout(settings_for({}), manager("terminal"))
    assert layout.notes_url is None
    assert layout.sessions == ("1",)


def test_restart_url_reaches_the_page_only_when_set():
    assert build_layout(settings_for({}), manager("terminal")).restart_url is None
    layout = build_layout(settings_for({"RESTART_URL": "https://hub.example.org/restart"}), manager("terminal"))
    assert layout.client_config()["restartUrl"] == "https://hub.example.org/restart"
