"""Fixtures for the JupyterHub tests: one real hub (+ configurable-http-proxy) per test module.

CI needs: Node.js + npm (apt: nodejs npm) for configurable-http-proxy from images/hub/package-lock.json,
and in the test venv: jupyterhub, jupyterhub-idle-culler, jupyterhub-kubespawner (config test only),
oauthenticator, jupyterhub-tmpauthenticator, plus plugins/jupyterhub (labdeck-jupyterhub) and
tests/plugin_example installed.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from hub_harness import Browser, hub_available


def pytest_collection_modifyitems(config, items):
    reason = hub_available()
    if reason:
        for item in items:
            if "tests/hub/" in str(item.fspath) and "config" not in item.name:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
async def browser_for(request):
    """``await browser_for(hub, "alice")``: a cookie-keeping client signed in at the hub as alice."""
    browsers = []

    async def factory(hub, user=None, password=None):
        browser = Browser(hub)
        browsers.append(browser)
        if user:
            await browser.login(user, *([password] if password else []))
        return browser

    yield factory
    for browser in browsers:
        await browser.close()
