"""The page as HTML, through core's in-process app (no browser)."""

from __future__ import annotations

import json
import re

import pytest

import labdeck_dashboard
from labdeck import hookimpl
from labdeck.testing import labdeck_login


class TerminalWithItsOwnDefault:
    @hookimpl
    def default_page(self, settings):
        return "terminal/session/1"


@pytest.mark.parametrize("order", ["dashboard-first", "terminal-first"])
async def test_root_lands_on_the_dashboard(labdeck_client, order):
    plugins = {"dashboard": labdeck_dashboard, "terminal": TerminalWithItsOwnDefault()}
    if order == "terminal-first":
        plugins = dict(reversed(plugins.items()))
    client = await labdeck_client(plugins, prefix="/user/alice/", auth="token")
    await labdeck_login(client)
    response = await client.get("/user/alice/", allow_redirects=False)
    assert response.headers["Location"] == "/user/alice/dashboard/"


async def test_default_page_setting_beats_the_dashboard(labdeck_client):
    client = await labdeck_client({"dashboard": labdeck_dashboard}, auth="token", environ={"DEFAULT_PAGE": "notes/"})
    await labdeck_login(client)
    response = await client.get("/", allow_redirects=False)
    assert response.headers["Location"] == "/notes/"


async def test_page_and_static_files_are_behind_auth(labdeck_client):
    client = await labdeck_client({"dashboard": labdeck_dashboard}, auth="token")
    for path in ("/dashboard/", "/dashboard/static/dashboard.js"):
        response = await client.get(path, allow_redirects=False)
        assert response.status in (302, 401, 403), path


async def test_operator_tab_names_and_urls_are_escaped(labdeck_client):
    evil = 'Bad<script>alert(1)</script>=https://example.org/"><img src=x onerror=alert(1)>'
    client = await labdeck_client({"dashboard": labdeck_dashboard}, auth="token",
                                  environ={"LABDECK_DASHBOARD_TABS": evil})
    await labdeck_login(client)
    html = await (await client.get("/dashboard/")).text()
    assert "<script>alert" not in html and "<img" not in html
    config = re.search(r'<script id="labdeck-dashboard-config" type="application/json">(.*?)</script>', html, re.S)
    assert json.loads(config.group(1))["tabs"][0]["name"] == "Bad<script>alert(1)</script>"


async def test_every_url_on_the_page_respects_the_prefix(labdeck_client):
    client = await labdeck_client({"dashboard": labdeck_dashboard}, prefix="/user/alice/", auth="token")
    await labdeck_login(client)
    html = await (await client.get("/user/alice/dashboard/")).text()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(url.startswith("/user/alice/") or url.startswith("data:") for url in urls), urls
    for url in urls:
        if not url.startswith("data:"):
            assert (await client.get(url)).status == 200, url
