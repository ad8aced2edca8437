"""What the dashboard shows for which settings and plugins (no server, no browser)."""

from __future__ import annotations

import pytest

import labdeck_dashboard
from labdeck import SettingsError, hookimpl
from labdeck_dashboard import Tab
from labdeck_dashboard.layout import build_layout, parse_tabs, resolve_url
from labdeck_testing import make_deck


class FakePlugin:
    """Stands in for a plugin by name only: the dashboard asks ``deck.has(name)``."""


class ConsolePlugin:
    @hookimpl(optionalhook=True)
    def dashboard_tabs(self, deck):
        return [Tab("Console", "console/", title="Web console")]


class NotATab:
    @hookimpl(optionalhook=True)
    def dashboard_tabs(self, deck):
        return [{"name": "Console", "url": "console/"}]


def deck_for(environ: dict[str, str], *names: str, prefix: str = "/"):
    """A Deck with the dashboard and stand-ins for the named plugins."""
    plugins = {"dashboard": labdeck_dashboard}
    for name in names:
        plugins[name] = ConsolePlugin() if name == "console" else FakePlugin()
    return make_deck(plugins, environ=environ, prefix=prefix)


def test_operator_tabs_parse_names_and_urls():
    assert parse_tabs("Docs=https://example.org/a?b=c, Grafana Board = grafana/") == (
        Tab("Docs", "https://example.org/a?b=c"),
        Tab("Grafana Board", "grafana/"),
    )
    assert parse_tabs("") == ()


@pytest.mark.parametrize("text", ["Docs", "=x", "Docs=", "Evil=javascript:alert(1)", "Data=data:text/html,x"])
def test_operator_tab_without_name_or_url_stops_the_start(text):
    with pytest.raises(SettingsError, match="LABDECK_DASHBOARD_TABS"):
        deck_for({"LABDECK_DASHBOARD_TABS": text})


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
    layout = build_layout(deck_for(environ, "terminal", "notes"))
    assert (layout.sessions, layout.session_sizes) == (sessions, sizes)


def test_unknown_terminal_tab_value_stops_the_start():
    with pytest.raises(SettingsError, match="TERMINAL_TAB"):
        deck_for({"TERMINAL_TAB": "split/3"})


def test_plugin_tabs_come_before_operator_tabs_all_under_the_prefix():
    deck = deck_for({"LABDECK_DASHBOARD_TABS": "Docs=https://example.org/"}, "terminal", "notes", "console",
                    prefix="/user/alice/")
    layout = build_layout(deck)
    assert [(tab.name, tab.url) for tab in layout.tabs] == [
        ("Console", "/user/alice/console/"),
        ("Docs", "https://example.org/"),
    ]
    config = layout.client_config()
    assert config["notesUrl"] == "/user/alice/notes/"
    assert config["terminalUrl"] == "/user/alice/terminal/"
    assert config["tabs"][0]["title"] == "Web console"


def test_without_the_terminal_plugin_there_are_only_notes():
    layout = build_layout(deck_for({"TERMINAL_TAB": "split"}, "notes"))
    assert layout.sessions == () and layout.terminal_url is None
    assert layout.notes_url == "/notes/"
    assert not layout.has_work_area


def test_without_the_notes_plugin_there_are_only_terminals():
    layout = build_layout(deck_for({}, "terminal"))
    assert layout.notes_url is None
    assert layout.sessions == ("1",)


def test_restart_url_reaches_the_page_only_when_set():
    assert build_layout(deck_for({}, "terminal")).restart_url is None
    layout = build_layout(deck_for({"RESTART_URL": "https://hub.example.org/restart"}, "terminal"))
    assert layout.client_config()["restartUrl"] == "https://hub.example.org/restart"


def test_a_plugin_tab_that_is_not_a_tab_is_refused_by_name():
    deck = make_deck({"dashboard": labdeck_dashboard, "odd": NotATab()})
    with pytest.raises(TypeError, match=r"expected labdeck_dashboard\.Tab"):
        build_layout(deck)


class ContentLayout:
    """Stands in for the notes of an Educates workshop asking for a terminal layout."""

    def __init__(self, layout):
        self.layout = layout

    @hookimpl(optionalhook=True)
    def dashboard_terminal_layout(self, deck):
        return self.layout


@pytest.mark.parametrize(("asked", "environ", "sessions"), [
    ("split/2", {}, ("1", "2", "3")),
    ("none", {}, ()),
    ("default", {}, ("1",)),
    ("split/2", {"TERMINAL_TAB": "split"}, ("1", "2")),  # the operator's setting wins
])
def test_content_asks_for_a_terminal_layout_and_the_operator_setting_wins(asked, environ, sessions):
    deck = make_deck({"dashboard": labdeck_dashboard, "terminal": FakePlugin(), "content": ContentLayout(asked)},
                     environ=environ)
    assert build_layout(deck).sessions == sessions


@pytest.mark.parametrize(("environ", "below", "tab_button"), [
    ({"LABDECK_DASHBOARD_TABS": "Docs=https://example.org/"}, True, False),  # under the Docs tab
    ({}, False, True),  # no other tab to sit below: one terminal in its Terminal tab
    ({"LABDECK_DASHBOARD_TABS": "Docs=https://example.org/", "TERMINAL_TAB": "split"}, False, True),
])
def test_the_lower_layout_puts_one_terminal_below_the_other_tabs(environ, below, tab_button):
    deck = make_deck({"dashboard": labdeck_dashboard, "terminal": FakePlugin(), "content": ContentLayout("lower")},
                     environ=environ)
    layout = build_layout(deck)
    assert layout.terminals_below is below
    assert len(layout.sessions) == (2 if "TERMINAL_TAB" in environ else 1)
