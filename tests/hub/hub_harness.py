"""A real JupyterHub + configurable-http-proxy on loopback, run with images/hub/jupyterhub_config.py.

Needs: ``jupyterhub`` and ``jupyterhub-idle-culler`` in the venv running the tests, Node.js and npm
(``npm ci`` in images/hub/ is run here when node_modules is missing), labdeck, labdeck-jupyterhub
(plugins/jupyterhub: the spawned servers sign in through the hub with it; it brings labdeck-oauth)
and the example plugin (tests/plugin_example) installed in the same venv.
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver

from labdeck_testing import free_port

ROOT = Path(__file__).resolve().parents[2]
HUB_DIR = ROOT / "images" / "hub"
CONFIG = HUB_DIR / "jupyterhub_config.py"
PASSWORD = "workshop-password-for-tests"
ADMIN_PASSWORD = "instructor-password-for-the-hub-tests"
BIN = Path(sys.executable).parent


def ensure_proxy() -> str:
    chp = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
    if not chp.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HUB_DIR, check=True,
                       stdout=subprocess.DEVNULL)
    return str(chp)


def hub_available() -> str | None:
    """Why the hub tests cannot run here, or None."""
    if not (BIN / "jupyterhub").exists():
        return "jupyterhub is not installed in this venv"
    if not shutil.which("node") or not shutil.which("npm"):
        return "Node.js / npm are not installed"
    return None


EXTRA_CONFIG = """
import json, os
c = get_config()
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.JupyterHub.last_activity_interval = 3600  # only labdeck's own reports show use to the culler
ports = json.loads(os.environ["TEST_UPSTREAM_PORTS"])
c.Spawner.environment.update({{
    "JUPYTERHUB_ACTIVITY_INTERVAL": "1",
    "LABDECK_EXAMPLE_UPSTREAM_PORT": lambda spawner: str(ports.get(spawner.user.name, 0)),
}})
c.JupyterHub.services.append({{"name": "tests", "api_token": "{token}"}})
c.JupyterHub.load_roles.append({{"name": "tests", "services": ["tests"],
    "scopes": ["admin:users", "admin:servers", "admin:server_state", "list:users", "read:users", "read:servers"]}})
"""


@dataclass
class Hub:
    process: subprocess.Popen
    url: str  # public, through CHP: http://127.0.0.1:PORT/
    token: str  # REST API token with admin:servers
    log: Path
    upstream_ports: dict[str, int] = field(default_factory=dict)

    def api(self, path: str) -> str:
        return f"{self.url}hub/api/{path.lstrip('/')}"

    async def rest(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        async with aiohttp.ClientSession() as session, session.request(
                method, self.api(path), headers={"Authorization": f"token {self.token}"}, **kwargs) as response:
            body = await response.json() if response.content_type == "application/json" else await response.text()
            return response.status, body

    async def server(self, user: str) -> dict | None:
        status, model = await self.rest("GET", f"users/{user}")
        assert status == 200, model
        return model["servers"].get("")

    async def start(self, user: str, within: float = 60) -> dict:
        status, body = await self.rest("POST", f"users/{user}/server")
        assert status in (201, 202, 400), body  # 400: already running
        return await self.wait_ready(user, within)

    async def wait_ready(self, user: str, within: float = 60) -> dict:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            server = await self.server(user)
            if server and server.get("ready"):
                return server
            await asyncio.sleep(0.2)
        raise AssertionError(f"{user}'s server did not become ready:\n{self.tail()}")

    async def stop_server(self, user: str, within: float = 30) -> None:
        status, body = await self.rest("DELETE", f"users/{user}/server")
        assert status in (202, 204, 400), body
        await self.wait_gone(user, within)

    async def wait_gone(self, user: str, within: float = 30) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if await self.server(user) is None:
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"{user}'s server did not stop:\n{self.tail()}")

    async def pid(self, user: str) -> int:
        """The pid of ``user``'s labdeck (SimpleLocalProcessSpawner keeps it in the server's state)."""
        status, model = await self.rest("GET", f"users/{user}?include_stopped_servers")
        assert status == 200, model
        return int(model["servers"][""]["state"]["pid"])

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, *, keep: bool = False) -> None:
        """Stop the hub (and, through it, every server); remove its folder unless ``keep``."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not keep:
            shutil.rmtree(self.log.parent, ignore_errors=True)


def start_hub(users: list[str], env: dict[str, str] | None = None, timeout: float = 60,
              extra_config: str = "", subdomains: bool = False) -> Hub:
    """A hub in a private temporary folder (not pytest's tmp_path: on a shared machine another
    pytest run may prune it while the hub still writes there). ``extra_config``: Python config
    lines loaded after the harness's own (``c`` is the config). With ``subdomains`` the hub is
    ``http://localhost:PORT/`` and each user's server ``http://<user>.localhost:PORT/user/<user>/``
    (``subdomain_host``; use ``Browser``, whose resolver sends ``*.localhost`` to 127.0.0.1)."""
    chp = ensure_proxy()
    workdir = Path(tempfile.mkdtemp(prefix="labdeck-hub-"))
    token = secrets.token_hex(16)
    port = free_port()
    if subdomains:
        env = {"HUB_SUBDOMAIN_HOST": f"http://localhost:{port}", **(env or {})}
    upstream_ports = {user: free_port() for user in users}
    extra = workdir / "extra_config.py"
    extra.write_text(EXTRA_CONFIG.format(hub_port=free_port(), proxy_api_port=free_port(), token=token) + extra_config)
    import json

    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTERHUB_", "LABDECK_"))}
    full_env = {
        **inherited,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "HUB_SPAWNER": "local",
        "AUTHENTICATOR": "shared-password",
        "SHARED_PASSWORD": PASSWORD,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "ADMIN_USERS": "instructor",
        "ALLOWED_USERS": ",".join(users),
        "HUB_PORT": str(port),
        "HUB_STATE_DIR": str(workdir / "state"),
        "CONFIGURABLE_HTTP_PROXY": chp,
        "LABDECK_COMMAND": f"{BIN / 'labdeck'} serve",
        "HUB_EXTRA_CONFIG": str(extra),
        "TEST_UPSTREAM_PORTS": json.dumps(upstream_ports),
        **(env or {}),
    }
    log = workdir / "hub.log"
    with log.open("w") as out:
        process = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(CONFIG)], cwd=workdir, env=full_env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    hub = Hub(process, f"http://{'localhost' if subdomains else '127.0.0.1'}:{port}/", token, log, upstream_ports)
    deadline = time.monotonic() + timeout
    import urllib.request

    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("jupyterhub exited:\n" + hub.tail())
        try:
            with urllib.request.urlopen(hub.api(""), timeout=2) as response:
                if response.status == 200:
                    return hub
        except OSError:
            time.sleep(0.2)
    hub.stop()
    raise RuntimeError("jupyterhub did not start:\n" + hub.tail())


def signed_in_at_the_hub(chromium: Any, hub: Hub, user: str, password: str = PASSWORD) -> tuple[Any, Any]:
    """A new Chromium context signed in at the hub, on its home page. Not where the hub would send
    the user next: for a user without a running server that is spawn-pending, whose script
    navigates by itself once the server is up, and a test's next ``goto`` raced it (no response)."""
    context = chromium.new_context()
    page = context.new_page()
    page.goto(hub.url + "hub/login?next=/hub/home")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    with page.expect_navigation(timeout=60000):
        page.click("[type=submit]")
    if urlsplit(page.url).path != "/hub/home":
        raise RuntimeError(f"{user} was not signed in at the hub: at {page.url}")
    return context, page


def process_tree(pid: int) -> set[int]:
    """``pid`` and all its descendants (programs, terminal servers, shells) alive now."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, todo = set(), [pid]
    while todo:
        current = todo.pop()
        if current not in tree and Path(f"/proc/{current}").exists():
            tree.add(current)
            todo.extend(children.get(current, []))
    return tree


def alive(pids: set[int]) -> set[int]:
    found = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            found.add(pid)
    return found


class LoopbackResolver(AbstractResolver):
    """``localhost`` and every ``*.localhost`` name are 127.0.0.1, as browsers have it (RFC 6761);
    the system resolver here knows only ``localhost`` itself."""

    def __init__(self):
        self.default = aiohttp.DefaultResolver()

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[dict[str, Any]]:
        if host == "localhost" or host.endswith(".localhost"):
            return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET,
                     "proto": 0, "flags": socket.AI_NUMERICHOST}]
        return await self.default.resolve(host, port, family)

    async def close(self) -> None:
        await self.default.close()


class Browser:
    """A cookie-keeping HTTP client that signs in at the hub like a person with a browser
    (without JavaScript: servers are started through the REST API, not the spawn page)."""

    def __init__(self, hub: Hub):
        self.hub = hub
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                             connector=aiohttp.TCPConnector(resolver=LoopbackResolver()),
                                             headers={"Accept": "text/html"})

    async def close(self) -> None:
        await self.session.close()

    async def login(self, user: str, password: str = PASSWORD) -> None:
        async with self.session.get(self.hub.url + "hub/login") as response:
            page = await response.text()
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page)
        form = {"username": user, "password": password, **({"_xsrf": html.unescape(xsrf.group(1))} if xsrf else {})}
        async with self.session.post(self.hub.url + "hub/login", data=form, allow_redirects=False) as response:
            assert response.status == 302, f"{user} could not sign in at the hub: {response.status}"

    async def get(self, path: str) -> tuple[int, str, str]:
        """Follow redirects (and the hub's "authorize access" form, as a person would click it).
        ``path`` is under the hub's URL, or a full URL (a user's own host with subdomains)."""
        url = path if "://" in path else self.hub.url + path.lstrip("/")
        async with self.session.get(url) as response:
            text = await response.text()
            status, url = response.status, str(response.url)
        confirm = re.search(r'<form[^>]*method="POST"', text, re.I)
        if urlsplit(url).path.endswith("/hub/api/oauth2/authorize") and confirm:
            status, url, text = await self._confirm(url, text)
        return status, url, text

    async def _confirm(self, url: str, page: str) -> tuple[int, str, str]:
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
        fields = {k: html.unescape(v) for k, v in fields.items()}
        async with self.session.post(url, data=fields) as response:
            return response.status, str(response.url), await response.text()
