"""Fixtures for the accessibility tests: axe-core (npm, tests/a11y/package-lock.json) injected into
the pages a real Chromium shows, and one ``labdeck serve`` of examples/workshop per module with the
notes, terminal, editor and dashboard plugins.

CI needs: Debian's ``chromium``; Node.js + npm (``make test`` runs ``npm ci`` here; without
node_modules the fixture runs it); the labdeck-notes, -terminal, -editor and -dashboard wheels.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from labdeck_testing import LabdeckServer, start_server

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
WORKSHOP = REPO / "examples" / "workshop"
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
PLUGINS = ("dashboard", "notes", "terminal", "editor")

#: axe's impacts that fail a page (moderate and minor ones are reported by axe, not failed here)
FAILING = ("serious", "critical")

RUN_AXE = """async (failing) => {
  const result = await axe.run(document, { iframes: false, resultTypes: ["violations"] });
  return result.violations.filter((v) => failing.includes(v.impact)).map((v) =>
    `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
}"""


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser bundle, from tests/a11y/node_modules (``npm ci`` when missing)."""
    if not AXE.exists():
        if shutil.which("npm") is None:
            pytest.fail("axe-core is not installed and npm is missing (apt-get install npm; make test runs npm ci)")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True, timeout=300)
    return AXE.read_text()


@pytest.fixture(scope="session")
def axe(axe_source: str) -> Callable[[Any], list[str]]:
    """``axe(page)`` -> the serious and critical violations axe-core finds in the page's own
    document (frames are checked as pages of their own), one line each."""

    def check(page: Any) -> list[str]:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.add_script_tag(content=axe_source)
        return page.evaluate(RUN_AXE, list(FAILING))

    return check


@dataclass
class Deck:
    server: LabdeckServer
    prefix: str

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def origin(self) -> str:
        return self.server.url.split(self.prefix)[0]

    def sign_in_url(self) -> str:
        return f"{self.server.url}?token={self.server.token}"


@pytest.fixture(scope="module")
def deck() -> Iterator[Deck]:
    """``labdeck serve`` of examples/workshop at /user/alice/: notes, a terminal, the Editor tab.
    (The console plugin proxies a cluster's console, which this machine does not have.)"""
    installed = {ep.name for ep in entry_points(group="labdeck")}
    missing = [name for name in PLUGINS if name not in installed]
    if missing:
        pytest.skip(f"needs labdeck-{', labdeck-'.join(missing)} installed")
    home = Path(tempfile.mkdtemp(prefix="labdeck-a11y-"))
    (home / "hello.py").write_text('print("hello")\n')  # a file for the Editor tab
    prefix = "/user/alice/"
    server = start_server({
        "WORKSHOP_DIR": str(WORKSHOP), "URI_ROOT_PATH": prefix, "LABDECK_PLUGINS": ",".join(PLUGINS),
        "LABDECK_EDITOR_ROOT": str(home), "LABDECK_NOTES_HELP": "true",  # the Ask for help button too
        "HOME": str(home), "TERMINAL_HOME": str(home), "SHELL": "/bin/bash",
        "LABDECK_RUNTIME_DIR": str(home / "run"),
    })
    yield Deck(server, prefix)
    server.stop()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def browse(chromium: Any, deck: Deck) -> Iterator[Callable[..., Any]]:
    """``browse(viewport=(1280, 800), color_scheme="light")`` -> a signed-in page on the dashboard.
    CSP is bypassed only so the tests can inject axe-core."""
    contexts = []

    def factory(viewport: tuple[int, int] = (1280, 800), color_scheme: str = "light", dashboard: bool = True) -> Any:
        context = chromium.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                       color_scheme=color_scheme, bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(deck.sign_in_url())
        page.wait_for_url(f"{deck.url}dashboard/")
        if not dashboard:
            page.goto("about:blank")
        return page

    yield factory
    for context in contexts:
        context.close()
