"""What ``labdeck serve`` is told when it runs behind a Jupyter server."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from . import NAME


def labdeck_command(socket: str, base_url: str, environ: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
    """The command and environment of ``labdeck serve`` on ``socket``, under ``<base_url>workshop/``.

    The Jupyter server's own environment is passed on (so ``WORKSHOP_DIR`` and every ``LABDECK_*``
    setting of the image apply), less ``JUPYTERHUB_*``: under JupyterHub those describe the Jupyter
    server (its prefix, its port, its hub token), and labdeck would take them for its own. What must
    hold whatever the image sets is given as flags, which win over the environment.
    """
    if not Path(socket).is_absolute() or not base_url.startswith("/"):
        raise SystemExit(f"labdeck-jupyter: expected an absolute socket path and base URL, got {socket!r} {base_url!r}")
    environment = {name: value for name, value in environ.items() if not name.startswith("JUPYTERHUB_")}
    command = [
        sys.executable, "-m", "labdeck", "serve",
        "--socket", socket,
        "--prefix", base_url.rstrip("/") + f"/{NAME}/",
        # the Jupyter server signed the user in; no one else can connect to the socket (docs/security.md)
        "--auth", "none",
        # the socket's only peer is the Jupyter server, which passes on the X-Forwarded-* headers of the
        # proxy in front of it (JupyterHub's): believe them, so a browser's https origin is recognised
        "--trusted-proxies", "*",
        # beside the socket, in the folder only this user can enter (not /tmp/labdeck-<uid>-<port>)
        "--runtime-dir", str(Path(socket).parent / "labdeck"),
    ]
    return command, environment
