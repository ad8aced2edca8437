"""Fixtures for the dashboard's browser tests.

CI needs: Debian's `chromium` (apt) for every browser test; `npm` to build the
wheel; the labdeck-notes and labdeck-terminal wheels for the end-to-end tests
(test_dashboard_workshop.py, over the workshops in examples/), which skip without
them. test_conformance_dashboard.py runs real workshops of the corpus (the
repository's conftest.py says when it did not run).

Two kinds of server:
- ``fake_dashboard``: core's real app in this process (token auth) with the dashboard
  and stand-in terminal / notes / console plugins whose pages record what they
  receive; it tests the dashboard's own contract without shells.
- ``workshop_server``: a real ``labdeck serve`` with the installed plugins.
"""

from __future__ import annotations

import asyncio
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

import labdeck_dashboard
from labdeck import hookimpl
from labdeck_dashboard import Tab
from labdeck_testing import TEST_TOKEN, make_app

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"

# --------------------------------------------------------------------------- stand-in plugins

RECORDER = """<!doctype html><html><head><title>{title}</title></head>
<body style="background:#000;color:#0f0"><pre id="log">{title}
</pre><script>
window.received = [];
window.addEventListener("message", (event) => {{
  if (event.origin !== location.origin) return;
  window.received.push(event.data);
  document.getElementById("log").textContent += JSON.stringify(event.data) + "\\n";
}});
</script></body></html>"""

NOTES_PAGE = """<!doctype html><html><head><title>Stand-in workshop</title></head><body>
<pre class="bus"
  data-message='{{"labdeck":1,"action":"terminal:execute","args":{{"session":"1","command":"echo one"}}}}'
  >run one</pre>
<pre class="bus"
  data-message='{{"labdeck":1,"action":"terminal:execute","args":{{"session":"2","command":"echo two"}}}}'
  >run two</pre>
<pre class="bus"
  data-message='{{"labdeck":1,"action":"workshop:copy","args":{{"text":"copied text"}}}}'>copy</pre>
<p><a id="console-link" href="{prefix}console/k8s/pods">Pods in the console</a>
<a id="terminal-link" href="{prefix}terminal">The terminal</a>
<a id="page-link" href="{prefix}notes/second">Next page</a></p>
<script>
for (const el of document.querySelectorAll(".bus")) {{
  el.addEventListener("click", () => parent.postMessage(JSON.parse(el.dataset.message), location.origin));
}}
</script></body></html>"""


def _html(text: str) -> web.Response:
    return web.Response(text=text, content_type="text/html")


class FakeTerminal:
    """Pages at terminal/session/<name> that record the action-bus messages they get."""

    @hookimpl
    def register_routes(self, deck):
        async def session(request: web.Request) -> web.Response:
            return _html(RECORDER.format(title=f"session {request.match_info['name']}"))

        return [web.get("/session/{name}", session)]


class FakeNotes:
    @hookimpl
    def register_routes(self, deck):
        async def home(request: web.Request) -> web.Response:
            return _html(NOTES_PAGE.format(prefix=deck.prefix))

        async def second(request: web.Request) -> web.Response:
            return _html("<!doctype html><title>Second page</title><h1>Second page</h1>")

        return [web.get("/", home), web.get("/second", second)]


class FakeConsole:
    @hookimpl
    def register_routes(self, deck):
        async def anything(request: web.Request) -> web.Response:
            return _html(RECORDER.format(title=f"console at {request.path}"))

        return [web.get("/{tail:.*}", anything)]

    @hookimpl(optionalhook=True)
    def dashboard_tabs(self, deck):
        return [Tab("Console", "console/")]


STRANGER_PAGE = """<!doctype html><title>stranger</title><script>
parent.postMessage({"labdeck":1,"action":"terminal:execute","args":{"session":"1","command":"rm -rf ~"}}, "*");
</script>"""


# --------------------------------------------------------------------------- servers


class _Loop:
    """An asyncio loop in a thread, so sync Playwright tests can talk to in-process servers."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runners: list[web.AppRunner] = []

    def serve(self, app: web.Application) -> str:
        async def start() -> str:
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.runners.append(runner)
            host, port = runner.addresses[0][:2]
            return f"http://{host}:{port}"

        return asyncio.run_coroutine_threadsafe(start(), self.loop).result(30)

    def close(self) -> None:
        async def stop() -> None:
            for runner in self.runners:
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass
class Served:
    """An in-process labdeck app, fetched with plain blocking HTTP (so the tests are sync and
    cannot trip over an event loop Playwright left marked as running)."""

    origin: str
    prefix: str
    cookie: str = ""

    def get(self, path: str) -> tuple[int, Any, str]:
        """``(status, headers, text)``; redirects are not followed."""
        request = urllib.request.Request(self.origin + path, headers={"Cookie": self.cookie} if self.cookie else {})
        try:
            with _OPENER.open(request) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def sign_in(self) -> Served:
        status, headers, _ = self.get(f"{self.prefix}?token={TEST_TOKEN}")
        assert status == 302, status
        self.cookie = headers["Set-Cookie"].split(";", 1)[0]
        return self


@pytest.fixture
def served() -> Iterator[Callable[..., Served]]:
    """``served(plugins, prefix="/", **settings)``: make_app(...) listening on loopback, signed in."""
    loop = _Loop()

    def factory(plugins: dict[str, Any], prefix: str = "/", **settings: Any) -> Served:
        origin = loop.serve(make_app(plugins, prefix=prefix, auth="token", **settings))
        return Served(origin, prefix).sign_in()

    yield factory
    loop.close()


@dataclass
class FakeDashboard:
    origin: str
    prefix: str
    stranger: str  # a page of another origin

    @property
    def url(self) -> str:
        return self.origin + self.prefix

    def login_url(self) -> str:
        return f"{self.url}?token={TEST_TOKEN}"


@pytest.fixture
def fake_dashboard() -> Iterator[Callable[..., FakeDashboard]]:
    """``fake_dashboard(environ={...}, prefix="/user/alice/", plugins=("terminal", "notes", "console"))``;
    ``{stranger}`` in an environ value becomes the origin of a page that posts to its parent."""
    loop = _Loop()
    fakes = {"terminal": FakeTerminal(), "notes": FakeNotes(), "console": FakeConsole()}

    async def stranger_page(request: web.Request) -> web.Response:
        return _html(STRANGER_PAGE)

    stranger = web.Application()
    stranger.router.add_get("/", stranger_page)
    stranger_origin = loop.serve(stranger)

    def factory(environ: dict[str, str] | None = None, prefix: str = "/user/alice/",
                plugins: tuple[str, ...] = ("terminal", "notes", "console")) -> FakeDashboard:
        environ = {key: value.replace("{stranger}", stranger_origin) for key, value in (environ or {}).items()}
        chosen = {"dashboard": labdeck_dashboard, **{name: fakes[name] for name in plugins}}
        app = make_app(chosen, environ=environ, prefix=prefix, auth="token")
        return FakeDashboard(loop.serve(app), prefix, stranger_origin)

    yield factory
    loop.close()


def _installed(name: str) -> bool:
    return any(ep.name == name for ep in entry_points(group="labdeck"))


@pytest.fixture
def workshop_server(labdeck_server: Callable) -> Callable[..., Any]:
    """A real ``labdeck serve`` of a workshop folder (an example's name, or a path) with the
    real notes and terminal plugins."""
    missing = [name for name in ("notes", "terminal") if not _installed(name)]
    if missing:
        pytest.skip(f"needs the labdeck-{' and labdeck-'.join(missing)} plugin(s) installed")

    def factory(workshop: str | Path, env: dict[str, str] | None = None, prefix: str = "/user/alice/") -> Any:
        content = EXAMPLES / workshop if isinstance(workshop, str) else workshop
        assert content.is_dir(), content
        return labdeck_server(env={"WORKSHOP_DIR": str(content), "URI_ROOT_PATH": prefix, **(env or {})})

    return factory


PREFIX = "/user/alice/"

FAKE_KUBECTL = """#!/bin/sh
case "$*" in
  *--watch*) echo "watching pods"; exec sleep 600 ;;
  *) echo "kubectl ran: $*" ;;
esac
"""


@pytest.fixture
def shell_home(tmp_path: Path) -> dict[str, str]:
    """Terminals whose shell (bash without start files, whatever the backend does with
    HOME) finds a stand-in kubectl first: ``--watch`` runs a long ``sleep`` (as a real
    watch never ends), anything else prints ``kubectl ran: <args>``."""
    home = tmp_path / "home"
    bin_dir = home / "bin"
    bin_dir.mkdir(parents=True)
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(FAKE_KUBECTL)
    shell = bin_dir / "workshop-shell"
    shell.write_text(f'#!/bin/sh\nPATH="{bin_dir}:$PATH" PS1="$ " HISTFILE=/dev/null \\\n'
                     "    exec /bin/bash --noprofile --norc -i\n")
    for script in (kubectl, shell):
        script.chmod(0o755)
    return {"HOME": str(home), "TERMINAL_HOME": str(home), "LABDECK_TERMINAL_SHELL": str(shell),
            "LABDECK_RUNTIME_DIR": str(tmp_path / "run")}


@pytest.fixture
def attendee(workshop_server, shell_home, browse):
    """``attendee(workshop, **env)`` -> a signed-in page on the dashboard of that workshop
    (an example's name or a path)."""

    def start(workshop: str | Path, viewport=(1280, 800), **env: str):
        from playwright.sync_api import expect

        server = workshop_server(workshop, env={**shell_home, **env}, prefix=PREFIX)
        browsing = browse(server.url.split(PREFIX)[0], viewport)
        browsing.page.goto(f"{server.url}?token={server.token}")
        expect(browsing.page).to_have_url(server.url + "dashboard/")
        return server, browsing

    return start


@pytest.fixture
def walk_buttons():
    """``walk_buttons(browsing)``: next to the last page, back to the first; asserts every
    title differs, more than three pages, and no JavaScript error."""

    def walk(browsing: Browsing) -> list[str]:
        from playwright.sync_api import expect

        page = browsing.page
        notes = page.frame_locator("#ld-notes")
        titles = [page.title()]
        while notes.locator("a[rel='next']").count():
            notes.locator("a[rel='next']").click()
            expect(page).not_to_have_title(titles[-1])
            titles.append(page.title())
        assert len(titles) == len(set(titles)) > 3
        for title in reversed(titles[:-1]):
            notes.locator("a[rel='prev']").click()
            expect(page).to_have_title(title)
        expect(notes.locator("a[rel='prev']")).to_have_count(0)
        assert browsing.errors == []
        return titles

    return walk


# --------------------------------------------------------------------------- browser


def _is_error(message: Any) -> bool:
    """A console error, except a page's reference to another site: this machine has no
    DNS for the internet (workshops link analytics scripts and pictures from elsewhere)."""
    return message.type == "error" and "net::ERR_NAME_NOT_RESOLVED" not in message.text


@dataclass
class Browsing:
    """A Playwright page plus every JavaScript error it (or a frame in it) reported."""

    page: Any
    errors: list[str]


@pytest.fixture
def browse(chromium: Any) -> Iterator[Callable[..., Browsing]]:
    contexts = []

    def factory(origin: str, viewport: tuple[int, int] = (1280, 800)) -> Browsing:
        context = chromium.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(f"{error}"))
        page.on("console", lambda message: _is_error(message) and errors.append(
            f"{message.text} ({message.location.get('url')})"))
        return Browsing(page, errors)

    yield factory
    for context in contexts:
        context.close()

