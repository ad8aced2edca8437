"""What the dashboard shows, worked out from the settings and the loaded plugins.

Kept apart from the view so it can be tested without a server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from labdeck import Deck

#: TERMINAL_TAB -> (session names, default sizes in percent)
TERMINAL_LAYOUTS: dict[str | None, tuple[tuple[str, ...], tuple[int, ...]]] = {
    None: (("1",), (100,)),
    "split": (("1", "2"), (60, 40)),
    "split/2": (("1", "2", "3"), (50, 25, 25)),
    "lower": (("1",), (100,)),  # one terminal below the other tabs (Educates' ``lower``)
}

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


@dataclass(frozen=True)
class Tab:
    """A dashboard work-area tab: ``name`` shown, ``url`` relative to the prefix
    or absolute. Links in the notes under ``url`` open this tab. Bus actions whose name starts
    with one of ``actions`` (``"editor:"``) are forwarded to the tab's page, opening it first."""

    name: str
    url: str
    title: str | None = None
    actions: tuple[str, ...] = ()


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
    #: the terminals sit below the other tabs (70/30) instead of in a Terminal tab of their own
    terminals_below: bool = False

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
            "tabs": [{"name": tab.name, "url": tab.url, "title": tab.title or tab.name, "actions": list(tab.actions)}
                     for tab in self.tabs],
            "restartUrl": self.restart_url,
        }


def plugin_tabs(deck: Deck) -> list[Tab]:
    """Every plugin's ``dashboard_tabs``, in call order; anything but a ``Tab`` is an error naming its type."""
    tabs: list[Tab] = []
    for result in deck.hook.dashboard_tabs(deck=deck):
        for tab in result or ():
            if not isinstance(tab, Tab):
                raise TypeError(f"dashboard_tabs returned {tab!r}, expected labdeck_dashboard.Tab")
            tabs.append(tab)
    return tabs


def terminal_layout(deck: Deck) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Sessions and sizes: ``TERMINAL_TAB`` when the operator set it, else what the content asks
    for through ``dashboard_terminal_layout`` (an Educates workshop's definition), else one."""
    own = deck.settings.dashboard.terminal_tab
    if own is not None:
        return TERMINAL_LAYOUTS[own]
    wanted = deck.hook.dashboard_terminal_layout(deck=deck)
    if wanted == "none":
        return (), ()
    if wanted not in (None, "default") and wanted not in TERMINAL_LAYOUTS:
        raise ValueError(f"dashboard_terminal_layout returned {wanted!r}; expected default, split, split/2, "
                         "lower or none")
    return TERMINAL_LAYOUTS[None if wanted == "default" else wanted]


def build_layout(deck: Deck) -> Layout:
    """Terminals when the terminal plugin is loaded, notes when the notes plugin is, then the tabs
    of every plugin (``dashboard_tabs``) followed by the operator's (``LABDECK_DASHBOARD_TABS``)."""
    prefix = deck.prefix
    own = deck.settings.dashboard
    has_terminal = deck.has("terminal")
    sessions, sizes = terminal_layout(deck) if has_terminal else ((), ())
    tabs = [*plugin_tabs(deck), *(own.tabs or ())]
    # below the other tabs only when there are some, and when the operator did not choose
    below = bool(sessions and tabs) and own.terminal_tab is None and \
        deck.hook.dashboard_terminal_layout(deck=deck) == "lower"
    return Layout(
        prefix=prefix,
        notes_url=deck.url("notes") if deck.has("notes") else None,
        terminal_url=deck.url("terminal") if has_terminal else None,
        sessions=sessions,
        session_sizes=sizes,
        tabs=tuple(Tab(tab.name, resolve_url(tab.url, prefix), tab.title, tab.actions) for tab in tabs),
        restart_url=own.restart_url,
        terminals_below=below,
    )
