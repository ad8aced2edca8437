"""labdeck-testing: pytest fixtures for labdeck and plugin authors (a pytest plugin, entry point
``pytest11``). A distribution of its own so that core carries no test code and no pytest.
It drives core the way ``labdeck serve`` does, so it uses core's internals; plugins do not.

- ``labdeck_client(plugins={...}, **settings)``: an aiohttp test client for an
  in-process app with exactly these plugins (no entry-point discovery unless
  ``discover=True``); ``await labdeck_login(client)`` signs it in.
- ``labdeck_server(env={...}, args=[...])``: a real ``labdeck serve`` process on
  a free loopback port, with the installed plugins; ``.url``, ``.token``,
  ``.cookies``, ``.stop()``.
- ``chromium``: Debian's Chromium through Playwright (never a browser download), one per
  test module: keep browser tests in modules without async tests.
- ``frame_showing(page, text)`` / ``terminal_frame(page)``: the dashboard's frame showing a text,
  and its first terminal's frame, waiting for them (Playwright's sync API).
- ``make_certificates(folder)``: a throwaway CA and a 127.0.0.1 certificate, for https upstreams.
- ``corpus_folder(repo)``: where the corpus of real workshops is, for the conformance tests and
  the benchmarks.
"""

from __future__ import annotations

__version__ = "0.2.0"

import os
import queue
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from labdeck.cli import setting_specs
from labdeck.core_settings import finalize_settings
from labdeck.deck import DECK, Deck
from labdeck.plugins import make_plugin_manager
from labdeck.settings import Settings, load_settings

TEST_TOKEN = "labdeck-test-token"  # noqa: S105 - for in-process test apps only
CHROMIUM = os.environ.get("LABDECK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


def corpus_folder(repo: Path) -> Path:
    """The corpus of real workshops: ``LABDECK_CORPUS``, else ``<repo>/../shared/corpus``. It lives
    outside the repository: a fresh clone has none, and what reads it says so when it is missing."""
    return Path(os.environ.get("LABDECK_CORPUS", repo.parent / "shared" / "corpus"))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], Any], timeout: float = 20.0, what: str = "") -> Any:
    """Poll ``check`` until it returns something true, and return that; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or getattr(check, '__name__', 'a condition')}")
        time.sleep(0.05)


def make_settings(pm: Any = None, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings as ``labdeck serve`` would build them, from ``environ`` (default: empty) and
    Python values in ``overrides``, each named as its flag is (``prefix="/x/"`` for
    ``--prefix``, ``content=path`` for ``--content``, ``terminal_sessions=2`` for
    ``--terminal-sessions``)."""
    pm = pm or make_plugin_manager(discover=False)
    specs = setting_specs(pm)
    by_flag = {spec.flag_name[2:].replace("-", "_"): spec for spec in specs}
    settings = load_settings(specs, {}, environ or {})
    overrides.setdefault("token", TEST_TOKEN)
    for name, value in overrides.items():
        if name not in by_flag:
            raise TypeError(f"no setting with the flag --{name.replace('_', '-')}")
        spec = by_flag[name]
        settings = settings.replace(spec.group, **{spec.name: value})
    return finalize_settings(settings)


def make_deck(plugins: Mapping[str, ModuleType | object] | None = None, *, discover: bool = False,
              environ: Mapping[str, str] | None = None, **settings: Any) -> Deck:
    """A ``Deck`` with exactly these plugins, for calling a plugin's hooks directly; settings as ``make_settings``."""
    pm = make_plugin_manager(discover=discover, extra=plugins or {}, environ=environ or {})
    return Deck(make_settings(pm, environ, **settings), pm)


def make_app(plugins: Mapping[str, ModuleType | object] | None = None, *, discover: bool = False,
             environ: Mapping[str, str] | None = None, **settings: Any):
    """An in-process app with exactly these plugins (and core's built-ins); settings as ``make_settings``."""
    from labdeck.app import create_app

    pm = make_plugin_manager(discover=discover, extra=plugins or {}, environ=environ or {})
    return create_app(make_settings(pm, environ, **settings), pm)


async def labdeck_login(client: Any, token: str = TEST_TOKEN) -> None:
    """Sign an aiohttp test client in with the token backend."""
    prefix = client.server.app[DECK].prefix
    response = await client.get(f"{prefix}?token={token}", allow_redirects=False)
    assert response.status == 302, await response.text()


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a certificate for 127.0.0.1 signed by it, written into ``folder``:
    ``(ca.pem, cert.pem, key.pem)``, for tests of https upstreams."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def build(subject: x509.Name, issuer: x509.Name, key: Any, signer: Any, *, ca: bool) -> x509.Certificate:
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
                                  critical=False))
        if ca:
            builder = builder.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                                            critical=True)
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "labdeck test CA")])
    ca = build(ca_name, ca_name, ca_key, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]), ca_name, key, ca_key, ca=False)
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


@pytest.fixture
def labdeck_client(aiohttp_client: Callable) -> Callable:
    async def factory(plugins: Mapping[str, Any] | None = None, **kwargs: Any):
        return await aiohttp_client(make_app(plugins, **kwargs))

    return factory


@dataclass
class LabdeckServer:
    """A running ``labdeck serve``."""

    process: subprocess.Popen
    url: str
    token: str | None
    output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None  #: copies the server's output into ``output``

    @property
    def cookies(self) -> dict[str, str]:
        """A signed-in session cookie for this server (token auth only)."""
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(f"{self.url}?token={self.token}")
        except urllib.error.HTTPError as error:
            cookie = error.headers.get("Set-Cookie", "")
            name, _, rest = cookie.partition("=")
            return {name: rest.split(";", 1)[0]}
        raise AssertionError("token sign-in did not redirect")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.reader is not None:  # what it wrote last (while stopping) is in ``output`` once this returns
            self.reader.join(5)
        return self.process.returncode


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def start_server(env: Mapping[str, str] | None = None, args: list[str] | None = None,
                 *, token: str | None = None, timeout: float = 30) -> LabdeckServer:
    """Start ``labdeck serve`` on a free port and wait until it says where it listens. Unless the
    environment names one, the server keeps the notes' progress in a file of its own: a server of
    another test must not have chosen the page its notes open on."""
    token = token or secrets.token_urlsafe(16)
    full_env = {**os.environ, "LABDECK_PORT": "0", "LABDECK_TOKEN": token, **(env or {})}
    if "LABDECK_NOTES_PROGRESS_FILE" not in full_env:
        full_env["LABDECK_NOTES_PROGRESS_FILE"] = os.path.join(tempfile.mkdtemp(prefix="labdeck-progress-"),
                                                               "progress.sqlite")
    process = subprocess.Popen([sys.executable, "-m", "labdeck", "serve", *(args or [])], env=full_env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:  # keeps reading, so the server never blocks on a full pipe
        for line in process.stdout:
            output.append(line)
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        match = re.search(r"serving at (\S+)", line)
        if match:
            return LabdeckServer(process, match.group(1), token, output, reader)
    process.kill()
    process.wait()
    raise RuntimeError("labdeck serve did not start:\n" + "".join(output))


@pytest.fixture
def labdeck_server() -> Iterator[Callable[..., LabdeckServer]]:
    servers: list[LabdeckServer] = []

    def factory(env: Mapping[str, str] | None = None, args: list[str] | None = None, **kwargs: Any) -> LabdeckServer:
        server = start_server(env, args, **kwargs)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Playwright's sync API keeps its event loop running in this thread while it lives,
    so an async test that runs meanwhile fails ("Runner.run() cannot be called from a
    running event loop"). Hence one browser per module: keep browser tests in modules of
    their own, with no async tests beside them."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("LABDECK_REQUIRE_BROWSER"):
            pytest.fail(f"no Chromium at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def frame_showing(page: Any, text: str, timeout: float = 30) -> Any:
    """The first frame of ``page`` whose text holds ``text``; fails naming what each frame shows."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if text in frame.inner_text("body", timeout=500):
                    return frame
            except Exception:  # noqa: S112 (a frame navigating or gone: look again)
                continue
        page.wait_for_timeout(300)
    seen = []
    for frame in page.frames:
        try:
            seen.append(f"{frame.url}: {frame.inner_text('body', timeout=500)[:300]!r}")
        except Exception as error:
            seen.append(f"{frame.url}: ({error})")
    raise AssertionError(f"no frame shows {text!r}; the frames show:\n" + "\n".join(seen))


def terminal_frame(page: Any, timeout: float = 30) -> Any:
    """The frame of the dashboard's first xterm.js terminal."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = next((f for f in page.frames if f.query_selector(".xterm-helper-textarea")), None)
        if frame is not None:
            return frame
        page.wait_for_timeout(300)
    raise AssertionError("no terminal on the dashboard")
