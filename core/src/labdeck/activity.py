"""When someone last used this labdeck (HTTP and proxied WebSocket traffic; a plugin's own
WebSocket handler may ``touch()`` too); the ``jupyterhub`` backend reports ``last`` to the hub."""

from __future__ import annotations

import time


class Activity:
    """The wall-clock time of the last use; ``touch`` is cheap enough to call per message."""

    def __init__(self) -> None:
        self.last: float = time.time()

    def touch(self) -> None:
        self.last = time.time()
