"""The notes as an attendee's browser sees them, through an in-process labdeck, over the
example workshops in examples/ (the real workshops of the corpus: test_conformance_notes.py)."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@pytest.mark.parametrize("name", ["workshop", "raneto", "modules", "asciidoc"])
async def test_every_example_page_renders_and_the_chain_walks_first_to_last(name, renders_and_walks):
    client, walked = await renders_and_walks(EXAMPLES / name)
    last = await (await client.get(walked[-1])).text()
    assert f"page {len(walked)} of {len(walked)}" in last
    assert 'class="ld-exit-button" href="/notes/-/overview"' in last  # no ExitLink or RESTART_URL: overview


async def test_raneto_order_follows_front_matter(notes_client):
    client = await notes_client(EXAMPLES / "raneto")
    home = await (await client.get("/notes/")).text()  # index.md replaces the generated home
    assert "Workshop Overview" in home and "page 1 of 4" in home
    assert '<a class="ld-exit-button" href="/notes/exercises/01-setup">Start Workshop</a>' in home
    assert "<title>Workshop Overview · Scaling a Blog</title>" in home  # site_title (read even without node)
    last = await (await client.get("/notes/finish")).text()
    assert ">Finish Workshop</a>" in last and "page 4 of 4" in last
    image = await client.get("/notes/exercises/diagram.png")
    assert image.status == 200 and image.content_type == "image/png"


async def test_generated_home_lists_pages_in_order(notes_client):
    client = await notes_client(EXAMPLES / "modules")
    html = await (await client.get("/notes/-/overview")).text()
    titles = re.findall(r'<li><a href="[^"]+">([^<]+)</a></li>', html)
    assert titles == ["Workshop Overview", "Page Formatting", "Data Variables", "Embedded Links", "Workshop Summary"]
    assert "<h2>Exercises</h2>" in html


@pytest.mark.parametrize("example", ["modules", "asciidoc"])
async def test_execute_blocks_carry_action_and_session(notes_client, example):
    client = await notes_client(EXAMPLES / example)
    page = "exercises/01-page-formatting" if example == "modules" else "02-commands"
    html = await (await client.get(f"/notes/{page}")).text()
    blocks = re.findall(r'<div class="ld-code ([^"]+)" data-action="([^"]+)"(?: data-session="(\d)")?[^>]*>'
                        r"<pre><code>([^<]*)</code>", html)
    if example == "modules":
        assert blocks == [
            ("ld-execute", "terminal:execute", "1", "echo upper"),
            ("ld-execute", "terminal:execute", "2", "echo lower"),
            ("ld-execute", "terminal:interrupt", "1", "&lt;ctrl+c&gt;"),
            ("ld-copy", "workshop:copy", "", "echo copy"),
            ("ld-copy ld-copy-and-edit", "workshop:copy", "", "echo copy-and-edit"),
        ]
        # the examples written inside <pre> stay examples, not buttons
        assert "<pre><code>```execute\necho upper\n```</code></pre>" in html
    else:
        assert blocks == [
            ("ld-execute", "terminal:execute", "2", "echo lower"),
            ("ld-execute", "terminal:execute", "1", "echo shorthand"),
            ("ld-execute", "terminal:interrupt", "1", "&lt;ctrl-c&gt;"),
            ("ld-copy", "workshop:copy", "", "echo copied"),
        ]
        assert '<span class="nb">print</span>' in html and "<table" in html


async def test_variables_from_env_config_vars_and_aliases(example_copy, notes_client, monkeypatch):
    workshop = example_copy("modules")
    page = workshop / "workshop" / "content" / "exercises" / "02-data-variables.md"
    page.write_text(page.read_text() + "\n```execute\necho %nosuchvar%\n```\n")
    monkeypatch.setenv("APP_VERSION", "4.2.1")
    monkeypatch.setenv("WORKSHOP_LANG", "python")
    monkeypatch.setenv("LANGUAGE", "java")  # the alias is looked at first
    client = await notes_client(workshop, prefix="/user/alice/", project_namespace="alice-ns",
                                cluster_subdomain="apps.example.com")
    html = await (await client.get("/user/alice/notes/exercises/02-data-variables")).text()
    assert "<code>APP_VERSION</code>: 4.2.1" in html
    assert "<code>TOOL_VERSION</code>: 1.0" in html  # default from modules.yaml
    assert "<code>LANGUAGE</code>: python" in html
    assert "<code>project_namespace</code>: alice-ns" in html
    assert "<code>cluster_subdomain</code>: apps.example.com" in html
    assert "<code>terminal_url</code>: /user/alice/terminal" in html
    assert "<code>slides_url</code>: /user/alice/notes/slides" in html
    assert "<code>echo python</code>" in html
    assert "echo %nosuchvar%</code>" in html  # unknown %words% stay as written
    links = await (await client.get("/user/alice/notes/exercises/03-embedded-links")).text()
    assert 'href="https://app-alice-ns.apps.example.com"' in links
    assert 'href="/user/alice/console/k8s/ns/alice-ns/events"' in links


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed (config.js needs it)")
async def test_workshop_variables_hook_and_config_js(example_copy, labdeck_client, monkeypatch):
    import labdeck_notes
    from labdeck import hookimpl

    class Extra:
        @hookimpl
        def workshop_variables(self, request):
            async def later():
                return {"app_name": "from-a-plugin", "username": "bob"}
            return later()

    workshop = example_copy("raneto")
    page = workshop / "raneto" / "content" / "finish.md"
    page.write_text(page.read_text() + "\nvalues: %app_namespace% %app_name% %username%\n")
    monkeypatch.setenv("APP_NAMESPACE", "blog-ns")
    client = await labdeck_client({"notes": labdeck_notes, "extra": Extra()}, auth="none", content=workshop)
    html = await (await client.get("/notes/finish")).text()
    assert "values: blog-ns blog bob" in html  # config.js wins over the plugin for app_name
    assert "Scaling a Blog" in html  # site_title from config.js
    monkeypatch.delenv("APP_NAMESPACE")
    client = await labdeck_client({"notes": labdeck_notes, "extra": Extra()}, auth="none", content=workshop)
    assert "values: %app_namespace% blog bob" in await (await client.get("/notes/finish")).text()


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed (config.js needs it)")
async def test_config_js_initialize_function_gives_variables(notes_client, monkeypatch):
    client = await notes_client(EXAMPLES / "modules")
    monkeypatch.setenv("PROJECT_NAMESPACE", "from-env")  # the worker sees the environment of the load
    html = await (await client.get("/notes/exercises/02-data-variables")).text()
    assert "<code>app_host</code>: app-from-env" in html


async def test_traversal_is_404(example_copy, notes_client, tmp_path):
    workshop = example_copy("raneto")
    content = workshop / "raneto" / "content"
    (tmp_path / "secret.txt").write_text("TOPSECRET-42")
    (content / "escape.txt").symlink_to(tmp_path / "secret.txt")
    (content / "escape-dir").symlink_to(tmp_path)
    (content / ".hidden").write_text("hidden")
    client = await notes_client(workshop)
    attempts = [
        "/notes/..%2fconfig.js", "/notes/%2e%2e/config.js", "/notes/exercises/%2e%2e/%2e%2e/config.js",
        "/notes/exercises/..%2f..%2fconfig.js", "/notes/%2fetc%2fpasswd", "/notes//etc/passwd",
        "/notes/escape.txt", "/notes/escape-dir/secret.txt", "/notes/.hidden", "/notes/..%5cconfig.js",
        "/notes/slides/..%2f..%2fconfig.js", "/notes/exercises/%00.png",
    ]
    for url in attempts:
        response = await client.get(url)
        assert response.status == 404, url
        body = await response.text()
        assert "TOPSECRET-42" not in body and "site_title" not in body
    assert (await client.get("/notes/exercises/diagram.png")).status == 200


async def test_broken_front_matter_shows_an_error_box_and_other_pages_work(example_copy, notes_client):
    workshop = example_copy("raneto")
    page = workshop / "raneto" / "content" / "exercises" / "02-scaling.md"
    page.write_text(page.read_text().replace("Title: Scaling the Application", "Title: [unclosed"))
    client = await notes_client(workshop)
    response = await client.get("/notes/exercises/02-scaling")
    assert response.status == 200
    html = await response.text()
    assert 'class="ld-error"' in html
    assert "raneto/content/exercises/02-scaling.md, line 3" in html
    other = await client.get("/notes/exercises/01-setup")
    assert other.status == 200 and 'class="ld-error"' not in await other.text()


async def test_edits_show_on_the_next_request(example_copy, notes_client):
    workshop = example_copy("raneto")
    page = workshop / "raneto" / "content" / "finish.md"
    client = await notes_client(workshop)
    assert "Freshly edited" not in await (await client.get("/notes/finish")).text()
    page.write_text(page.read_text() + "\nFreshly edited.\n")
    assert "Freshly edited" in await (await client.get("/notes/finish")).text()


async def test_live_reload_says_change_when_the_page_changes(example_copy, notes_client):
    workshop = example_copy("raneto")
    page = workshop / "raneto" / "content" / "finish.md"
    client = await notes_client(workshop)
    response = await client.get("/notes/-/events?page=finish")
    assert response.headers["Content-Type"].startswith("text/event-stream")
    first = await response.content.readuntil(b"\n\n")
    assert first.startswith(b"event: version")
    assert (await response.content.readuntil(b"\n\n")).startswith(b"event: help")  # the help bar's state
    page.write_text(page.read_text() + "\nchanged\n")
    event = await response.content.readuntil(b"\n\n")
    assert event.startswith(b"event: change")
    response.close()


async def test_one_event_stream_per_page_without_live_reload_carries_no_reloads(example_copy, notes_client):
    """Live reload off: the page's stream still brings the help bar's state, and an edit reloads nothing."""
    workshop = example_copy("raneto")
    page = workshop / "raneto" / "content" / "finish.md"
    client = await notes_client(workshop, notes_live_reload=False)
    html = await (await client.get("/notes/finish")).text()
    assert 'data-events="/notes/-/events?page=finish"' in html and "data-version" not in html
    response = await client.get("/notes/-/events?page=finish")
    assert (await response.content.readuntil(b"\n\n")).startswith(b"event: help")
    page.write_text(page.read_text() + "\nchanged\n")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(response.content.readuntil(b"\n\n"), 1.5)
    response.close()


async def test_slides_are_served_and_offered_as_a_tab(notes_client, monkeypatch):
    monkeypatch.setenv("AUDIENCE_LINK", "https://example.com/join")
    import labdeck_notes
    from labdeck_dashboard import Tab
    from labdeck_testing import make_deck

    client = await notes_client(EXAMPLES / "modules", prefix="/user/alice/")
    slides = await client.get("/user/alice/notes/slides", allow_redirects=False)
    assert slides.status == 302 and slides.headers["Location"] == "/user/alice/notes/slides/"
    index = await client.get("/user/alice/notes/slides/")
    assert index.status == 200 and "Modules Example" in await index.text()
    assert (await client.get("/user/alice/notes/slides/cluster.png")).status == 200
    # reveal.js where the original images provided it, and notice.md built from notice.md.in
    for asset in ("css/reveal.css", "js/reveal.js", "lib/js/head.min.js", "plugin/markdown/markdown.js"):
        assert (await client.get(f"/user/alice/notes/slides/{asset}")).status == 200, asset
    notice = await (await client.get("/user/alice/notes/slides/notice.md")).text()
    assert "Visit --> https://example.com/join" in notice
    deck = make_deck({"notes": labdeck_notes}, content=EXAMPLES / "modules")
    assert labdeck_notes.dashboard_tabs(deck) == [Tab(name="Slides", url="notes/slides/")]
    assert labdeck_notes.dashboard_tabs(make_deck({"notes": labdeck_notes}, content=EXAMPLES / "raneto")) == []


async def test_without_content_the_page_says_how_to_add_it(notes_client, tmp_path: Path, labdeck_client):
    import labdeck_notes

    client = await labdeck_client({"notes": labdeck_notes}, auth="none")
    response = await client.get("/notes/")
    assert response.status == 404
    assert "--content" in await response.text()


async def test_last_page_button_exit_link_then_restart_url_then_home(example_copy, notes_client, monkeypatch):
    monkeypatch.setattr("labdeck_notes.site.RECHECK_SECONDS", 0.0)  # re-read the workshop on every request
    workshop = example_copy("raneto")
    client = await notes_client(workshop, environ={"RESTART_URL": "https://portal.example.com/restart"})
    middle = await (await client.get("/notes/exercises/01-setup")).text()
    assert '<a class="ld-exit-button" href="/notes/exercises/02-scaling">Continue</a>' in middle
    last = await (await client.get("/notes/finish")).text()
    assert ('<a class="ld-exit-button" href="https://portal.example.com/restart" target="_top" data-finish>'
            "Finish Workshop</a>") in last  # data-finish: asks first (test_notes_finish.py)
    finish = workshop / "raneto" / "content" / "finish.md"
    finish.write_text(finish.read_text().replace("ExitSign: Finish Workshop", "ExitSign: Done\nExitLink: /next-lab"))
    last = await (await client.get("/notes/finish")).text()
    assert '<a class="ld-exit-button" href="/next-lab" target="_top">Done</a>' in last


async def test_plain_folder_of_markdown(tmp_path, notes_client):
    (tmp_path / "01-hello.md").write_text("# Hello there\n\nFirst page.\n")
    (tmp_path / "02-bye.md").write_text("Second page, no heading.\n")
    client = await notes_client(tmp_path, prefix="/user/alice/")
    response = await client.get("/user/alice/notes/", allow_redirects=False)
    assert response.headers["Location"] == "/user/alice/notes/01-hello"  # the first page, as the original
    home = await (await client.get("/user/alice/notes/-/overview")).text()
    assert '<a href="/user/alice/notes/01-hello">Hello there</a>' in home
    first = await (await client.get("/user/alice/notes/01-hello")).text()
    assert first.count("Hello there</h1>") == 0 and first.count(">Hello there<a") == 1  # the page's own h1 only
    assert 'href="/user/alice/notes/02-bye" rel="next"' in first
    second = await (await client.get("/user/alice/notes/02-bye")).text()
    assert '<h1 class="ld-heading">Bye</h1>' in second and "page 2 of 2" in second


async def test_the_notes_root_goes_to_the_first_module(notes_client):
    client = await notes_client(EXAMPLES / "modules")
    response = await client.get("/notes/", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (302, "/notes/workshop-overview")
    page = await (await client.get("/notes/workshop-overview")).text()
    assert 'class="ld-nav-home" href="/notes/-/overview"' in page  # the overview stays one click away


async def test_pages_outside_the_sequence_are_no_numbered_steps(example_copy, notes_client):
    workshop = example_copy("modules")
    selection = workshop / "workshop" / "workshop.yaml"
    selection.write_text(selection.read_text().replace("    - exercises/02-data-variables\n", ""))
    client = await notes_client(workshop)
    html = await (await client.get("/notes/-/overview")).text()
    titles = re.findall(r'<li><a href="[^"]+">([^<]+)</a></li>', html)
    assert titles == ["Workshop Overview", "Page Formatting", "Embedded Links", "Workshop Summary"]
    assert "4 pages" in html
    page = await (await client.get("/notes/exercises/02-data-variables")).text()  # still reachable by its URL
    assert "not in the page sequence" in page


async def test_a_page_no_next_page_reaches_is_no_numbered_step(tmp_path, notes_client):
    for name, meta in (("index", "NextPage: second"), ("second", ""), ("orphan", "NextPage: index")):
        (tmp_path / f"{name}.md").write_text(f"---\nTitle: {name.title()}\n{meta}\n---\n{name} text\n")
    client = await notes_client(tmp_path)
    html = await (await client.get("/notes/-/overview")).text()
    assert re.findall(r'<li><a href="[^"]+">([^<]+)</a></li>', html) == ["Index", "Second"]
