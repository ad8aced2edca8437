"""labdeck-jupyter: labdeck as a jupyter-server-proxy server, the **Workshop** launcher of JupyterLab.

jupyter-server-proxy calls ``setup_workshop()`` (entry point ``jupyter_serverproxy_servers``,
name ``workshop``, hence the URL ``<base_url>workshop/``) when the Jupyter server starts, and
runs the command it returns the first time someone opens that URL. The Jupyter server has
signed them in by then; labdeck listens on a socket in a folder only this user can enter.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

__version__ = "0.2.0"

#: the server's name: its URL under the Jupyter server (``<base_url>workshop/``) and its launcher
NAME = "workshop"


def setup_workshop() -> dict[str, Any]:
    """The jupyter-server-proxy server process: ``python -m labdeck_jupyter SOCKET BASE_URL``."""
    return {
        "command": [sys.executable, "-m", "labdeck_jupyter", "{unix_socket}", "{base_url}"],
        # a socket in a new 0700 folder of this user's (jupyter-server-proxy's mkdtemp): no TCP port
        # another local user could connect to
        "unix_socket": True,
        # labdeck gets the whole path and serves under <base_url>workshop/, so every URL it emits
        # (redirects, pages, WebSockets) is right without rewriting
        "absolute_url": True,
        "timeout": 60,  # the first start loads every plugin and starts the terminal server
        "launcher_entry": {
            "title": "Workshop",
            "icon_path": str(Path(__file__).parent / "icon.svg"),
            "category": "Other",
        },
        "new_browser_tab": True,
    }
