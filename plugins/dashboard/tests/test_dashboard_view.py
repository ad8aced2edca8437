"""The page as HTML, through core's real app in this process (no browser)."""

from __future__ import annotations

import json
import re

import pytest

import labdeck_dashboard
from labdeck import hookimpl
from labdeck_dashboard import Tab


class TerminalWithItsOwnDefault:
    @hookimpl
    def default_page(self, deck):
        return "terminal/session/1"


@pytest.mark.parametrize("order", ["dashboard-first", "terminal-first"])
def test_root_lands_on_the_dashboard(served, order):
    plugins = {"dashboard": labdeck_dashboard, "terminal": TerminalWithItsOwnDefault()}
    if order == "terminal-first":
        plugins = dict(reversed(plugins.items()))
    app = served(plugins, prefix="/user/alice/")
    status, headers, _ = app.get("/user/alice/")
    assert (status, headers["Location"]) == (302, "/user/alice/dashboard/")


def test_default_page_setting_beats_the_dashboard(served):
    app = served({"dashboard": labdeck_dashboard}, environ={"DEFAULT_PAGE": "notes/"})
    status, headers, _ = app.get("/")
    assert (status, headers["Location"]) == (302, "/notes/")


def test_page_and_static_files_are_behind_auth(served):
    app = served({"dashboard": labdeck_dashboard})
    app.cookie = ""
    for path in ("/dashboard/", "/dashboard/static/dashboard.js", "/dashboard/static/vendor/split.js/split.min.js"):
        status, _, text = app.get(path)
        assert status in (302, 401, 403), path
        assert "Split" not in text and "labdeck-dashboard-config" not in text


def test_operator_tab_names_and_urls_are_escaped(served):
    evil = 'Bad<script>alert(1)</script>=https://example.org/"><img src=x onerror=alert(1)>'
    app = served({"dashboard": labdeck_dashboard}, environ={"LABDECK_DASHBOARD_TABS": evil})
    _, _, html = app.get("/dashboard/")
    assert "<script>alert" not in html and "<img" not in html
    config = re.search(r'<script id="labdeck-dashboard-config" type="application/json">(.*?)</script>', html, re.S)
    assert json.loads(config.group(1))["tabs"][0]["name"] == "Bad<script>alert(1)</script>"


class EvilTab:
    @hookimpl
    def dashboard_tabs(self, deck):
        return [Tab(name="Tool", url="tool/", title='"><script>alert(1)</script>')]


def test_a_plugin_tab_title_is_escaped(served):
    _, _, html = served({"dashboard": labdeck_dashboard, "evil": EvilTab()}).get("/dashboard/")
    assert "<script>alert" not in html
    assert html.count('title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"') == 2  # the tab and its frame


def test_every_url_on_the_page_respects_the_prefix(served):
    stand_ins = {"notes": object(), "terminal": object()}  # only their names matter here
    app = served({"dashboard": labdeck_dashboard, **stand_ins}, prefix="/user/alice/",
                 environ={"LABDECK_DASHBOARD_TABS": "Grafana=grafana/"})
    _, _, html = app.get("/user/alice/dashboard/")
    urls = [url for url in re.findall(r'(?:src|href)="([^"]+)"', html) if not url.startswith("data:")]
    assert {"/user/alice/notes/", "/user/alice/terminal/session/1", "/user/alice/grafana/"} <= set(urls)
    assert all(url.startswith("/user/alice/") for url in urls), urls
    for url in urls:
        if url.startswith("/user/alice/dashboard/"):
            assert app.get(url)[0] == 200, url
    config = re.search(r'<script id="labdeck-dashboard-config" type="application/json">(.*?)</script>', html, re.S)
    assert json.loads(config.group(1))["terminalUrl"] == "/user/alice/terminal/"
