"""``python -m labdeck_jupyter SOCKET BASE_URL``: become ``labdeck serve`` for this Jupyter user."""

from __future__ import annotations

import os
import sys

from .launch import labdeck_command

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m labdeck_jupyter SOCKET BASE_URL (jupyter-server-proxy runs this)")
    command, environment = labdeck_command(sys.argv[1], sys.argv[2], os.environ)
    os.execve(command[0], command, environment)  # noqa: S606 (a fixed argv, no shell)
