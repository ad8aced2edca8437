"""labdeck-editor: an Editor tab beside the terminals, and the Educates ``editor:*`` actions.

Every way this plugin plugs into labdeck is on this screen. The file API and the page are
api.py (confinement in files.py); the browser side, CodeMirror 6 and the actions, is
static/editor.js. See docs/editor.md.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from labdeck import Deck, Setting, hookimpl

from .api import make_app
from .files import Root

__version__ = "0.1.0"


@hookimpl
def register_settings() -> list[Setting]:
    return [
        Setting("root", env=("LABDECK_EDITOR_ROOT", "TERMINAL_HOME"), type=Path, default=None,
                help="folder the editor shows and may change (default: the terminal's home, else the home directory)"),
        Setting("max_size", type=int, default=2 * 1024 * 1024,
                help="largest file, in bytes, the editor opens or saves"),
    ]


def _root(deck: Deck) -> Root:
    own = deck.settings.editor
    return Root(folder=(own.root or Path.home()).expanduser(), max_size=own.max_size)


@hookimpl
def register_routes(deck: Deck) -> web.Application:
    root = _root(deck)

    def page_config() -> dict:
        return {"api": deck.url("editor", "api/"), "static": deck.url("editor", "static/"),
                "labdeckJs": deck.prefix + "-/static/labdeck.js", "root": str(root.folder.resolve()),
                "home": str(Path.home()), "maxSize": root.max_size}

    return make_app(root, page_config)


@hookimpl(optionalhook=True)
def dashboard_tabs(deck: Deck) -> list:
    from labdeck_dashboard import Tab

    return [Tab(name="Editor", url=deck.url("editor"), actions=("editor:", "files:"))]
