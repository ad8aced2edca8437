"""When someone last used this labdeck: HTTP requests and WebSocket messages through the proxy.

Core only records the time; whoever cares (the ``jupyterhub`` backend, for the
hub's idle culler) reads ``last``. A plugin's own WebSocket handler may call
``Deck.of(request).activity.touch()`` per message so its traffic counts too.
"""

from __future__ import annotations

import time


class Activity:
    """The wall-clock time of the last use; ``touch`` is cheap enough to call per message."""

    def __init__(self) -> None:
        self.last: float = time.time()

    def touch(self) -> None:
        self.last = time.time()
