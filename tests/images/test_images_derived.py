"""Images derived from ours with one more plugin, pip-installed the way docs/images.md says.

The tests' example plugin (tests/plugin_example: entry point ``example``, a dashboard tab and a
route at ``/example/``) is built into a wheel here, and a Containerfile ``FROM`` the dashboard
image, then one ``FROM`` the terminal image, installs it with ``/opt/labdeck/bin/pip`` from that
wheel alone (``--no-index``: no network). The containers run as an arbitrary UID in group 0."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from labdeck_testing import frame_showing

REPO = Path(__file__).resolve().parents[2]
USER, PASSWORD = "workshop", secrets.token_urlsafe(12)
AUTH = (USER, PASSWORD)

#: the recipe of docs/images.md ("More plugins"), with the wheel as the package
CONTAINERFILE = """\
FROM {base}
USER root
COPY {wheel} /tmp/
RUN /opt/labdeck/bin/pip install --no-cache-dir --no-index /tmp/{wheel} && rm /tmp/{wheel}
USER 1001
"""


@pytest.fixture(scope="module")
def plugin_context(tmp_path_factory) -> Path:
    """A build context holding the example plugin's wheel (hatchling's wheels are reproducible,
    so an unchanged plugin leaves buildah's cached layers valid)."""
    context = tmp_path_factory.mktemp("derived-context")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--disable-pip-version-check",
                    "--wheel-dir", str(context), str(REPO / "tests" / "plugin_example")], check=True, timeout=600)
    return context


def derive(buildah, base: str, tag: str, context: Path) -> str:
    [wheel] = context.glob("labdeck_example-*.whl")
    containerfile = context / f"Containerfile.{tag.rsplit('/', 1)[-1].replace(':', '-')}"
    containerfile.write_text(CONTAINERFILE.format(base=base, wheel=wheel.name))
    buildah.bud(str(containerfile), tag, {}, context=context)
    return tag


def started(container_of, image: str):
    container = container_of(image)
    container.start({"AUTH_USERNAME": USER, "AUTH_PASSWORD": PASSWORD})
    return container


@pytest.fixture(scope="module")
def dashboard_with_plugin(buildah, dashboard_image, plugin_context, container_of):
    return started(container_of, derive(buildah, dashboard_image, "localhost/labdeck-dashboard-example:test",
                                        plugin_context))


@pytest.fixture(scope="module")
def terminal_with_plugin(buildah, terminal_image, plugin_context, container_of):
    return started(container_of, derive(buildah, terminal_image, "localhost/labdeck-terminal-example:test",
                                        plugin_context))


def test_the_dashboard_shows_the_installed_plugins_tab(dashboard_with_plugin, chromium):
    context = chromium.new_context(http_credentials={"username": USER, "password": PASSWORD})
    try:
        page = context.new_page()
        page.goto(dashboard_with_plugin.url)
        page.get_by_role("tab", name="Example").click()
        frame_showing(page, f"hello, {USER}")
    finally:
        context.close()


def test_the_installed_plugins_route_answers_only_after_sign_in(dashboard_with_plugin, get):
    assert get(dashboard_with_plugin.url + "example/")[0] == 401
    assert get(dashboard_with_plugin.url + "example/", auth=(USER, "wrong"))[0] == 401
    status, body = get(dashboard_with_plugin.url + "example/", auth=AUTH)
    assert status == 200 and body.startswith(f"hello, {USER}"), body


def test_the_plugin_is_in_labdecks_own_environment_not_the_attendees(dashboard_with_plugin):
    own = dashboard_with_plugin.run("/opt/labdeck/bin/python", "-c", "import labdeck_example", check=False)
    attendee = dashboard_with_plugin.run("python3", "-c", "import labdeck_example", check=False)
    assert own.returncode == 0, own.stderr
    assert attendee.returncode != 0


def test_a_terminal_only_image_takes_the_plugin_too(terminal_with_plugin, get):
    assert get(terminal_with_plugin.url + "example/")[0] == 401
    status, body = get(terminal_with_plugin.url + "example/", auth=AUTH)
    assert status == 200 and body.startswith(f"hello, {USER}"), body
    # a terminal-only deployment: no dashboard for the plugin's tab hook, and no error for its absence
    assert terminal_with_plugin.run("/opt/labdeck/bin/python", "-c", "import labdeck_dashboard",
                                    check=False).returncode != 0
