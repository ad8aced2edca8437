"""What the dashboard shows, worked out from the settings and the loaded plugins.

Kept apart from the view so it can be tested without a server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pluggy

from labdeck import Settings, Tab
from labdeck.plugins import collect

#: TERMINAL_TAB -> (session names, default sizes in percent)
TERMINAL_LAYOUTS: dict[str | None, tuple[tuple[str, ...], tuple[int, ...]]] = {
    None: (("1",), (100,)),
    "split": (("1", "2"), (60, 40)),
    "split/2": (("1", "2", "3"), (50, 25, 25)),
}

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def parse_tabs(text: str) -> tuple[Tab, ...]:
    """``"Docs=https://example.org/,Grafana=grafana/"`` -> Tabs. Names may hold spaces; URLs no commas."""
    tabs = []
    for item in text.split(","):
        if not item.strip():
            continue
        name, sep, url = item.partition("=")
        if not sep or not name.strip() or not url.strip():
            raise ValueError(f"{item.strip()!r} is not Name=URL")
        scheme = _SCHEME.match(url.strip())
        if scheme and scheme.group(1).lower() not in ("http", "https"):
            raise ValueError(f"{url.strip()!r}: a tab URL is http(s):// or a path")
        tabs.append(Tab(name=name.strip(), url=url.strip()))
    return tuple(tabs)


def resolve_url(url: str, prefix: str) -> str:
    """A tab URL as the browser should load it: absolute URLs and /paths stay, the rest is under the prefix."""
    if _SCHEME.match(url) or url.startswith("/"):
        return url
    return prefix + url


@dataclass(frozen=True)
class Layout:
    """Everything the page template and dashboard.js need."""

    prefix: str
    notes_url: str | None
    terminal_url: str | None
    sessions: tuple[str, ...] = ()
    session_sizes: tuple[int, ...] = ()
    tabs: tuple[Tab, ...] = ()
    restart_url: str | None = None

    @property
    def has_work_area(self) -> bool:
        return bool(self.sessions or self.tabs)

    def client_config(self) -> dict:
        """The JSON handed to dashboard.js."""
        return {
            "prefix": self.prefix,
            "notesUrl": self.notes_url,
            "terminalUrl": self.terminal_url,
            "sessions": list(self.sessions),
            "sessionSizes": list(self.session_sizes),
            "tabs": [{"name": tab.name, "url": tab.url, "title": tab.title or tab.name} for tab in self.tabs],
            "restartUrl": self.restart_url,
        }


def build_layout(settings: Settings, pm: pluggy.PluginManager) -> Layout:
    """Terminals when the terminal plugin is loaded, notes when the notes plugin is, then the tabs
    of every plugin (``dashboard_tabs``) followed by the operator's (``LABDECK_DASHBOARD_TABS``)."""
    prefix = settings.prefix
    has_terminal = pm.get_plugin("terminal") is not None
    has_notes = pm.get_plugin("notes") is not None
    sessions, sizes = TERMINAL_LAYOUTS[settings.get("terminal_tab")] if has_terminal else ((), ())
    tabs = [tab for _plugin, tab in collect(pm, "dashboard_tabs", Tab, settings=settings)]
    tabs += settings.get("dashboard_tabs") or ()
    tabs = tuple(Tab(tab.name, resolve_url(tab.url, prefix), tab.title) for tab in tabs)
    return Layout(
        prefix=prefix,
        notes_url=prefix + "notes/" if has_notes else None,
        terminal_url=prefix + "terminal/" if has_terminal else None,
        sessions=sessions,
        session_sizes=sizes,
        tabs=tabs,
        restart_url=settings.get("restart_url"),
    )
