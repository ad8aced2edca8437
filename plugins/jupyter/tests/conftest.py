"""A real Jupyter server (jupyter-server + jupyter-server-proxy from PyPI) with token auth on
127.0.0.1, with labdeck-jupyter installed: once at ``/`` and once at ``/user/alice/``, the base
URL a JupyterHub single-user server has."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from labdeck_testing import free_port, wait_until

pytest.importorskip("jupyter_server_proxy")
pytest.importorskip("labdeck_jupyter")

TOKEN = "jupyter-test-token-8c1f"


@dataclass
class JupyterServer:
    process: subprocess.Popen
    url: str  # http://127.0.0.1:<port><base_url>
    token: str
    output: list[str] = field(default_factory=list)

    @property
    def workshop(self) -> str:
        return self.url + "workshop/"

    def stop(self) -> None:
        """The whole process group: the Jupyter server, and labdeck it started."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
                self.process.wait(10)
                return
            except ProcessLookupError:
                return
            except subprocess.TimeoutExpired:
                continue


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def start_jupyter(home: Path, base_url: str, workshop: Path) -> JupyterServer:
    port = free_port()
    env = {**os.environ, "HOME": str(home), "WORKSHOP_DIR": str(workshop),
           "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime")}
    if base_url != "/":
        # what JupyterHub gives its single-user servers: labdeck must not take them for its own
        env.update(JUPYTERHUB_SERVICE_PREFIX=base_url, JUPYTERHUB_SERVICE_URL="http://127.0.0.1:9/",
                   JUPYTERHUB_API_TOKEN="not-labdecks")
    command = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", f"--ServerApp.base_url={base_url}", f"--IdentityProvider.token={TOKEN}",
               f"--ServerApp.root_dir={home}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    process = subprocess.Popen(command, env=env, cwd=home, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    server = JupyterServer(process, f"http://127.0.0.1:{port}{base_url}", TOKEN)

    def pump() -> None:
        for line in process.stdout:
            server.output.append(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        wait_until(lambda: process.poll() is not None or answers(server.url + "api"), 60, "the Jupyter server")
    except AssertionError:
        server.stop()
        raise
    if process.poll() is not None:
        raise RuntimeError("jupyter server did not start:\n" + "".join(server.output))
    return server


@pytest.fixture(scope="module", params=["/", "/user/alice/"], ids=["root", "hub-prefix"])
def jupyter(request, tmp_path_factory) -> Iterator[JupyterServer]:
    home = tmp_path_factory.mktemp("jupyter-home")
    workshop = tmp_path_factory.mktemp("workshop")
    (workshop / "01-welcome.md").write_text("# Welcome\n\nThe notes of a workshop inside Jupyter.\n")
    server = start_jupyter(home, request.param, workshop)
    yield server
    server.stop()
    if request.session.testsfailed:
        print("".join(server.output))
