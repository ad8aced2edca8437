"""The notes as an attendee's browser sees them, through an in-process labdeck."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

import pytest

WORKSHOPS = ("lab-workshop-content", "lab-k8s-fundamentals", "lab-couchbase-operator")


async def walk(client, prefix: str, start: str) -> list[str]:
    """Follow the top bar's next link from ``start``; return the pages' paths."""
    seen: list[str] = []
    url = start
    while url and url not in seen:
        response = await client.get(url)
        assert response.status == 200, url
        seen.append(url)
        html = await response.text()
        match = re.search(r'<a class="ld-nav-next" href="([^"]+)"', html)
        url = unescape(match.group(1)) if match else None
    return seen


@pytest.mark.parametrize("name", WORKSHOPS)
async def test_every_corpus_page_renders_and_the_chain_walks_first_to_last(name, corpus, notes_client):
    from labdeck_notes.workshop import load_workshop

    workshop = load_workshop(corpus / name)
    client = await notes_client(corpus / name)
    for page_id in workshop.pages:
        response = await client.get(f"/notes/{page_id}")
        assert response.status == 200, page_id
        assert 'class="ld-error"' not in await response.text(), page_id
    first = workshop.sequence[0]
    walked = await walk(client, "/", f"/notes/{first}")
    assert walked == [f"/notes/{page_id}" for page_id in workshop.sequence]
    assert len(walked) == len(workshop.pages)
    last = await (await client.get(walked[-1])).text()
    assert f"page {len(walked)} of {len(walked)}" in last
    assert 'class="ld-exit-button" href="/notes/"' in last  # no ExitLink or RESTART_URL: home


async def test_couchbase_order_follows_front_matter(corpus, notes_client):
    client = await notes_client(corpus / "lab-couchbase-operator")
    home = await (await client.get("/notes/")).text()  # index.md replaces the generated home
    assert "Workshop Overview" in home and "page 1 of 6" in home
    assert '<a class="ld-exit-button" href="/notes/exercises/01-operator-prerequisites">Start Workshop</a>' in home
    assert "<title>Workshop Overview · Using the Couchbase operator</title>" in home
    last = await (await client.get("/notes/finish")).text()
    assert ">Finish Workshop</a>" in last and "page 6 of 6" in last
    image = await client.get("/notes/exercises/console-auth.png")
    assert image.status == 200 and image.content_type == "image/png"


async def test_generated_home_lists_pages_in_order(corpus, notes_client):
    client = await notes_client(corpus / "lab-workshop-content")
    html = await (await client.get("/notes/")).text()
    titles = re.findall(r'<li><a href="[^"]+">([^<]+)</a></li>', html)
    assert titles[:3] == ["Workshop Overview", "Workshop Setup", "Sample Workshop"]
    assert titles[-1] == "Workshop Summary" and len(titles) == 23
    assert "<h2>Exercises</h2>" in html


async def test_execute_blocks_carry_action_and_session(corpus, notes_client):
    client = await notes_client(corpus / "lab-workshop-content")
    html = await (await client.get("/notes/exercises/06-page-formatting")).text()
    blocks = re.findall(r'<div class="ld-code ([^"]+)" data-action="([^"]+)"(?: data-session="(\d)")?[^>]*>'
                        r"<pre><code>([^<]*)</code>", html)
    assert ("ld-execute", "terminal:execute", "1", "echo upper") in blocks
    assert ("ld-execute", "terminal:execute", "2", "echo lower") in blocks
    assert ("ld-execute", "terminal:interrupt", "1", "&lt;ctrl+c&gt;") in blocks
    assert ("ld-copy", "workshop:copy", "", "echo copy") in blocks
    assert ("ld-copy ld-copy-and-edit", "terminal:input", "1", "echo copy-and-edit") in blocks
    # the examples written inside <pre> stay examples, not buttons
    assert "<pre><code>```execute\necho upper\n```</code></pre>" in html


async def test_variables_from_env_config_vars_and_aliases(corpus_copy, notes_client, monkeypatch):
    workshop = corpus_copy("lab-workshop-content")
    modules = workshop / "workshop" / "modules.yaml"
    modules.write_text(modules.read_text().replace(
        "config:\n    vars:\n",
        "config:\n    vars:\n    - name: LANGUAGE\n      value: undefined\n      aliases:\n      - WORKSHOP_LANG\n"))
    page = workshop / "workshop" / "content" / "exercises" / "07-data-variables.md"
    page.write_text(page.read_text() + "\n* `LANGUAGE`: %LANGUAGE%\n\n```execute\necho %LANGUAGE% %nosuchvar%\n```\n")
    monkeypatch.setenv("OC_VERSION", "4.2.1")
    monkeypatch.setenv("WORKSHOP_LANG", "python")
    monkeypatch.setenv("LANGUAGE", "java")  # the alias is looked at first
    client = await notes_client(workshop, prefix="/user/alice/", project_namespace="alice-ns",
                                cluster_subdomain="apps.example.com")
    html = await (await client.get("/user/alice/notes/exercises/07-data-variables")).text()
    assert "<code>OC_VERSION</code>: 4.2.1" in html
    assert "<code>KUBECTL_VERSION</code>: undefined" in html  # default from modules.yaml
    assert "<code>LANGUAGE</code>: python" in html
    assert "<code>project_namespace</code>: alice-ns" in html
    assert "<code>cluster_subdomain</code>: apps.example.com" in html
    assert "<code>terminal_url</code>: /user/alice/terminal" in html
    assert "<code>slides_url</code>: /user/alice/notes/slides" in html
    assert "echo python %nosuchvar%</code>" in html  # unknown %words% stay as written
    links = await (await client.get("/user/alice/notes/exercises/08-embedded-links")).text()
    assert 'href="https://lab-sample-workshop-alice-ns.apps.example.com"' in links
    assert 'href="/user/alice/console/k8s/ns/alice-ns/events"' in links


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed (config.js needs it)")
async def test_workshop_variables_hook_and_config_js(corpus_copy, labdeck_client, monkeypatch):
    import labdeck_notes
    from labdeck import hookimpl

    class Extra:
        @hookimpl
        def workshop_variables(self, request):
            async def later():
                return {"jupyterhub_application": "from-a-plugin", "username": "bob"}
            return later()

    workshop = corpus_copy("lab-couchbase-operator")
    page = workshop / "workshop" / "content" / "finish.md"
    page.write_text(page.read_text() + "\nvalues: %jupyterhub_namespace% %jupyterhub_application% %username%\n")
    monkeypatch.setenv("JUPYTERHUB_NAMESPACE", "hub-ns")
    client = await labdeck_client({"notes": labdeck_notes, "extra": Extra()}, auth="none", content=workshop)
    html = await (await client.get("/notes/finish")).text()
    assert "values: hub-ns from-a-plugin bob" in html
    assert "Using the Couchbase operator" in html  # site_title from config.js


async def test_traversal_is_404(corpus_copy, notes_client, tmp_path):
    workshop = corpus_copy("lab-couchbase-operator")
    content = workshop / "workshop" / "content"
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
        assert "TOPSECRET-42" not in await response.text()
    assert (await client.get("/notes/exercises/console-auth.png")).status == 200


async def test_broken_front_matter_shows_an_error_box_and_other_pages_work(corpus_copy, notes_client):
    workshop = corpus_copy("lab-couchbase-operator")
    page = workshop / "workshop" / "content" / "exercises" / "02-creating-the-cluster.md"
    page.write_text(page.read_text().replace("Title: Creating the Cluster", "Title: [unclosed"))
    client = await notes_client(workshop)
    response = await client.get("/notes/exercises/02-creating-the-cluster")
    assert response.status == 200
    html = await response.text()
    assert 'class="ld-error"' in html
    assert "workshop/content/exercises/02-creating-the-cluster.md, line 3" in html
    other = await client.get("/notes/exercises/03-exposing-console")
    assert other.status == 200 and 'class="ld-error"' not in await other.text()


async def test_edits_show_on_the_next_request(corpus_copy, notes_client):
    workshop = corpus_copy("lab-couchbase-operator")
    page = workshop / "workshop" / "content" / "finish.md"
    client = await notes_client(workshop)
    assert "Freshly edited" not in await (await client.get("/notes/finish")).text()
    page.write_text(page.read_text() + "\nFreshly edited.\n")
    assert "Freshly edited" in await (await client.get("/notes/finish")).text()


async def test_live_reload_says_change_when_the_page_changes(corpus_copy, notes_client):
    workshop = corpus_copy("lab-couchbase-operator")
    page = workshop / "workshop" / "content" / "finish.md"
    client = await notes_client(workshop)
    response = await client.get("/notes/-/live?page=finish")
    assert response.headers["Content-Type"].startswith("text/event-stream")
    first = await response.content.readuntil(b"\n\n")
    assert first.startswith(b"event: version")
    page.write_text(page.read_text() + "\nchanged\n")
    event = await response.content.readuntil(b"\n\n")
    assert event.startswith(b"event: change")
    response.close()


async def test_slides_are_served_and_offered_as_a_tab(corpus, notes_client, monkeypatch):
    monkeypatch.setenv("AUDIENCE_LINK", "https://example.com/join")
    import labdeck_notes
    from labdeck_dashboard import Tab
    from labdeck_testing import make_deck

    client = await notes_client(corpus / "lab-k8s-fundamentals", prefix="/user/alice/")
    slides = await client.get("/user/alice/notes/slides", allow_redirects=False)
    assert slides.status == 302 and slides.headers["Location"] == "/user/alice/notes/slides/"
    index = await client.get("/user/alice/notes/slides/")
    assert index.status == 200 and "Kubernetes Fundamentals" in await index.text()
    assert (await client.get("/user/alice/notes/slides/kubernetes-cluster.png")).status == 200
    # reveal.js where the original images provided it, and notice.md built from notice.md.in
    for asset in ("css/reveal.css", "js/reveal.js", "lib/js/head.min.js", "plugin/markdown/markdown.js"):
        assert (await client.get(f"/user/alice/notes/slides/{asset}")).status == 200, asset
    notice = await (await client.get("/user/alice/notes/slides/notice.md")).text()
    assert "Visit --> https://example.com/join" in notice
    deck = make_deck({"notes": labdeck_notes}, content=corpus / "lab-k8s-fundamentals")
    assert labdeck_notes.dashboard_tabs(deck) == [Tab(name="Slides", url="notes/slides/")]
    assert labdeck_notes.dashboard_tabs(make_deck({"notes": labdeck_notes},
                                                  content=corpus / "lab-couchbase-operator")) == []


async def test_without_content_the_page_says_how_to_add_it(notes_client, tmp_path: Path, labdeck_client):
    import labdeck_notes

    client = await labdeck_client({"notes": labdeck_notes}, auth="none")
    response = await client.get("/notes/")
    assert response.status == 404
    assert "--content" in await response.text()


async def test_last_page_button_exit_link_then_restart_url_then_home(corpus_copy, notes_client, monkeypatch):
    monkeypatch.setattr("labdeck_notes.site.RECHECK_SECONDS", 0.0)  # re-read the workshop on every request
    workshop = corpus_copy("lab-couchbase-operator")
    client = await notes_client(workshop, environ={"RESTART_URL": "https://portal.example.com/restart"})
    middle = await (await client.get("/notes/exercises/02-creating-the-cluster")).text()
    assert '<a class="ld-exit-button" href="/notes/exercises/03-exposing-console">Continue</a>' in middle
    last = await (await client.get("/notes/finish")).text()
    assert ('<a class="ld-exit-button" href="https://portal.example.com/restart" target="_top">'
            "Finish Workshop</a>") in last
    finish = workshop / "workshop" / "content" / "finish.md"
    finish.write_text(finish.read_text().replace("ExitSign: Finish Workshop", "ExitSign: Done\nExitLink: /next-lab"))
    last = await (await client.get("/notes/finish")).text()
    assert '<a class="ld-exit-button" href="/next-lab" target="_top">Done</a>' in last


async def test_plain_folder_of_markdown(tmp_path, notes_client):
    (tmp_path / "01-hello.md").write_text("# Hello there\n\nFirst page.\n")
    (tmp_path / "02-bye.md").write_text("Second page, no heading.\n")
    client = await notes_client(tmp_path, prefix="/user/alice/")
    home = await (await client.get("/user/alice/notes/")).text()
    assert '<a href="/user/alice/notes/01-hello">Hello there</a>' in home
    first = await (await client.get("/user/alice/notes/01-hello")).text()
    assert first.count("Hello there</h1>") == 0 and first.count(">Hello there<a") == 1  # the page's own h1 only
    assert 'href="/user/alice/notes/02-bye" rel="next"' in first
    second = await (await client.get("/user/alice/notes/02-bye")).text()
    assert '<h1 class="ld-heading">Bye</h1>' in second and "page 2 of 2" in second
