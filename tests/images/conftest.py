"""Build the labdeck images with buildah and run them, with no container engine.

CI needs (as root): ``apt-get install -y buildah debootstrap`` (about 30 s) and
``LABDECK_REQUIRE_IMAGES=1``; without buildah (or not root) these tests skip, unless
that variable is set, in which case they fail.

- ``LABDECK_IMAGE_CACHE`` (default /var/tmp/labdeck-image-cache): buildah's image store.
  It keeps the debootstrap base and every build layer between runs, so a run where
  nothing changed builds nothing (the first run takes several minutes).
- ``LABDECK_IMAGE_CONTEXT`` (default: the repository): the build context.
- ``LABDECK_STORAGE_DRIVER``: buildah's storage driver for that store (default: buildah's own
  choice, overlay where the kernel allows it; ``vfs`` works everywhere, slower). buildah 1.28
  ignores ``STORAGE_DRIVER`` in the environment.
- ``LABDECK_BUILD_CA_BUNDLE`` (default /etc/ssl/certs/ca-certificates.crt if present): a CA
  bundle mounted into the build for pip and npm, for machines behind a TLS-intercepting proxy.

The images are built without Java (``INSTALL_JAVA=false``, for speed) from a Debian base made
locally with debootstrap; Node.js stays in, so npm is at hand for the plugins' wheel builds.
Containers run with ``buildah run --isolation chroot`` on the host's network, so servers inside
listen on 127.0.0.1:<free port>, and as an arbitrary UID in group 0, as OpenShift runs them.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest

from labdeck_testing import free_port, wait_until

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("LABDECK_IMAGE_CACHE", "/var/tmp/labdeck-image-cache"))
CONTEXT = Path(os.environ.get("LABDECK_IMAGE_CONTEXT", REPO))
CA_BUNDLE = os.environ.get("LABDECK_BUILD_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
BASE = "localhost/labdeck-debian-base:bookworm"
TERMINAL = "localhost/labdeck-terminal:test"
DASHBOARD = "localhost/labdeck-dashboard:test"
ARBITRARY_USER = "1000321:0"  # an OpenShift-style UID with no passwd entry, group 0
BUILD_TIMEOUT = 1800


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "images: builds and runs the container images with buildah (slow)")


def missing_tools() -> str | None:
    for tool in ("buildah", "debootstrap"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install -y buildah debootstrap)"
    if os.geteuid() != 0:
        return "building and running images with buildah's chroot isolation needs root here"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    reason = missing_tools()
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.images)
            item.add_marker(pytest.mark.timeout(BUILD_TIMEOUT))
            if reason and os.environ.get("LABDECK_REQUIRE_IMAGES") != "1":
                item.add_marker(pytest.mark.skip(reason=f"image tests: {reason}"))


def plugins_present(*names: str) -> str | None:
    """None when every named plugin's source is in the build context, else a skip reason."""
    missing = [n for n in names if not (CONTEXT / "plugins" / n / "pyproject.toml").is_file()]
    return f"plugins not in the repository yet: {', '.join(missing)}" if missing else None


class Buildah:
    """buildah on a private store under the cache folder, chroot isolation."""

    def __init__(self, cache: Path):
        self.global_args = ["--root", str(cache / "storage"), "--runroot", str(cache / "run")]
        if os.environ.get("LABDECK_STORAGE_DRIVER"):
            self.global_args += ["--storage-driver", os.environ["LABDECK_STORAGE_DRIVER"]]
        self.env = {**os.environ, "BUILDAH_ISOLATION": "chroot",
                    "BUILDAH_ARGS": " ".join(self.global_args)}

    def __call__(self, *args: str, check: bool = True, timeout: float = 120) -> str:
        result = subprocess.run(["buildah", *self.global_args, *args], env=self.env, capture_output=True,
                                text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"buildah {args[0]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result.stdout.strip()

    def popen(self, *args: str, **kwargs) -> subprocess.Popen:
        return subprocess.Popen(["buildah", *self.global_args, *args], env=self.env, **kwargs)

    def has_image(self, name: str) -> bool:
        return bool(self("images", "--quiet", name, check=False))

    def bud(self, containerfile: str, tag: str, build_args: Mapping[str, str], context: Path = CONTEXT,
            check: bool = True) -> subprocess.CompletedProcess:
        args = ["bud", "--layers", "--force-rm", "--isolation", "chroot", "-f", containerfile, "-t", tag]
        for key, value in build_args.items():
            args += ["--build-arg", f"{key}={value}"]
        if CA_BUNDLE and Path(CA_BUNDLE).is_file():
            args += ["-v", f"{CA_BUNDLE}:/run/labdeck-build-ca.crt:ro",
                     "--build-arg", "BUILD_CA_BUNDLE=/run/labdeck-build-ca.crt"]
        result = subprocess.run(["buildah", *self.global_args, *args, str(context)], env=self.env,
                                capture_output=True, text=True, timeout=BUILD_TIMEOUT)
        if check and result.returncode != 0:
            raise AssertionError(f"building {tag} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
        return result


@pytest.fixture(scope="session")
def buildah() -> Buildah:
    reason = missing_tools()
    if reason:
        pytest.fail(f"LABDECK_REQUIRE_IMAGES=1 but {reason}")
    return Buildah(CACHE)


@pytest.fixture(scope="session")
def debian_base(buildah: Buildah) -> str:
    if not buildah.has_image(BASE):
        subprocess.run([str(REPO / "images" / "debian-base.sh"), BASE], env=buildah.env, check=True,
                       capture_output=True, timeout=900)
    return BASE


@pytest.fixture(scope="session")
def terminal_image(buildah: Buildah, debian_base: str) -> str:
    reason = plugins_present("terminal")
    if reason:
        pytest.skip(reason)
    buildah.bud("images/terminal/Containerfile", TERMINAL,
                {"BASE_IMAGE": debian_base, "INSTALL_NODEJS": "true", "INSTALL_JAVA": "false"})
    return TERMINAL


@pytest.fixture(scope="session")
def dashboard_image(buildah: Buildah, terminal_image: str) -> str:
    reason = plugins_present("notes", "dashboard", "editor", "console")
    if reason:
        pytest.skip(reason)
    buildah.bud("images/dashboard/Containerfile", DASHBOARD, {"TERMINAL_IMAGE": terminal_image})
    return DASHBOARD






@dataclass
class Container:
    """A working container of an image: run commands in it, start its server, read its files."""

    buildah: Buildah
    name: str
    root: Path  # the container's filesystem, mounted on the host
    process: subprocess.Popen | None = None
    port: int = 0
    user: str = ARBITRARY_USER
    log_dir: Path = Path("/tmp")
    log: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    def run(self, *command: str, user: str = ARBITRARY_USER, env: Mapping[str, str] | None = None,
            volume: str | None = None, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run a command in the container (``volume``: ``HOST:PATH`` bind-mounted for it)."""
        result = subprocess.run(["buildah", *self.buildah.global_args, *self._run_args(user, env, volume), *command],
                                env=self.buildah.env, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{command} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def _run_args(self, user: str, env: Mapping[str, str] | None, volume: str | None = None) -> list[str]:
        args = ["run", "--isolation", "chroot", "--user", user, *(["--volume", volume] if volume else [])]
        for key, value in {**self.env, **(env or {})}.items():
            args += ["-e", f"{key}={value}"]
        return [*args, self.name, "--"]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, env: Mapping[str, str], command: Sequence[str] = ("/usr/libexec/s2i/run",),
              user: str = ARBITRARY_USER, volume: str | None = None) -> None:
        """Start the image's command (the S2I run script) as ``user`` on a free loopback port."""
        self.port = free_port()
        self.user = user
        self.env = {"LABDECK_HOST": "127.0.0.1", "LABDECK_PORT": str(self.port), **env}
        self.log = self.log_dir / f"{self.name}.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                ["buildah", *self.buildah.global_args, *self._run_args(user, None, volume), *command],
                env=self.buildah.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self.healthy, 120, f"{self.name} to answer /-/health; log:\n{self.output()}")

    def copy_in(self, source: Path, dest: str, uid: int = 1001, gid: int = 0) -> Path:
        """Copy a folder to ``dest`` (absolute, in the container), owned and writable as the
        seed recipe leaves a workshop's files (1001, group 0, user and group may write)."""
        target = self.root / dest.lstrip("/")
        shutil.copytree(source, target, dirs_exist_ok=True, symlinks=True)
        for folder, dirs, files in os.walk(target):
            for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
                os.lchown(name, uid, gid)
                if not os.path.islink(name):
                    os.chmod(name, os.stat(name).st_mode | (0o770 if os.path.isdir(name) else 0o660))
        return target

    def healthy(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"the container's command exited with {self.process.returncode}:\n{self.output()}")
        try:
            with urllib.request.urlopen(self.url + "-/health", timeout=2) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:] if self.log and self.log.exists() else ""

    def supervisord_pid(self) -> int:
        pidfile = self.root / "tmp" / f"labdeck-{self.user.split(':')[0]}-{self.port}" / "supervisord.pid"
        return int(wait_until(lambda: pidfile.exists() and pidfile.read_text().strip(), 30, "supervisord.pid"))

    def ctl(self, *args: str) -> str:
        conf = f"/tmp/labdeck-{self.user.split(':')[0]}-{self.port}/supervisord.conf"
        return self.run("supervisorctl", "-c", conf, *args, user=self.user, check=False).stdout.strip()

    def stop(self) -> int | None:
        """SIGTERM to supervisord (the command execs into it), as a container engine would."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        os.kill(self.supervisord_pid(), signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def container_of(buildah: Buildah, tmp_path_factory) -> Iterator:
    """``container_of(image)`` -> a fresh working container, removed afterwards."""
    made: list[Container] = []

    def make(image: str) -> Container:
        name = f"labdeck-test-{os.getpid()}-{len(made)}-{int(time.time() * 1000) % 100000}"
        buildah("from", "--name", name, image)
        root = Path(buildah("mount", name))
        container = Container(buildah, name, root, log_dir=tmp_path_factory.mktemp("container"))
        made.append(container)
        return container

    yield make
    for container in made:
        container.stop()
        buildah("umount", container.name, check=False)
        buildah("rm", container.name, check=False)


# labdeck-terminal's WebSocket (protocol in docs/terminal.md), driven from outside the container
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


async def _exchange(base_url: str, session: str, auth: tuple[str, str] | None, typed: str | None,
                    expect: str, seconds: float) -> tuple[dict, str]:
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    url = f"{base_url}terminal/ws/session/{session}?cols=200&rows=40"
    hello: dict = {}
    screen = b""
    headers = {"Origin": origin}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
    async with aiohttp.ClientSession() as client, client.ws_connect(url, headers=headers) as ws:
        if typed is not None:
            await ws.send_bytes(typed.encode())
        async with asyncio.timeout(seconds):
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    data = json.loads(message.data)
                    if data.get("t") == "hello":
                        hello = data
                    elif data.get("t") == "error":
                        raise AssertionError(f"terminal refused: {data}")
                elif message.type == aiohttp.WSMsgType.BINARY:
                    screen += message.data
                    await ws.send_str(json.dumps({"t": "ack", "n": len(message.data)}))
                    if expect.encode() in ANSI.sub(b"", screen):
                        break
                else:
                    break
    text = ANSI.sub(b"", screen).decode(errors="replace")
    if expect not in text:
        raise AssertionError(f"{expect!r} never appeared in the terminal; it showed:\n{text[-2000:]}")
    return hello, text


def terminal_session(base_url: str, session: str, *, auth: tuple[str, str] | None = None,
                     typed: str | None = None, expect: str, timeout: float = 60) -> tuple[dict, str]:
    """Open terminal ``session``, type ``typed``, read until ``expect`` shows; (hello message, screen text)."""
    return asyncio.run(_exchange(base_url, session, auth, typed, expect, timeout))


@pytest.fixture(scope="session")
def terminal():
    return terminal_session


@pytest.fixture(scope="session")
def until():
    """``until(check, timeout, what)``: poll until ``check()`` is truthy, return its value."""
    return wait_until


def http_get(url: str, auth: tuple[str, str] | None = None) -> tuple[int, str]:
    """GET with optional Basic credentials; (status, body), errors included."""
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(":".join(auth).encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


@pytest.fixture(scope="session")
def get():
    return http_get
