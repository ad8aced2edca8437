"""AsciiDoc pages as Asciidoctor renders them (Asciidoctor.js in a real node process)."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import textwrap
from html import unescape
from pathlib import Path

import pytest

from labdeck_notes.asciidoctor_client import ASCIIDOCTOR, warn_without_node
from labdeck_notes.codeblocks import ANNOTATIONS, code_block_html
from labdeck_notes.render import render_page
from labdeck_notes.worker import RenderWorker
from labdeck_notes.workshop import load_workshop
from labdeck_testing import wait_until

ATTACK = """<img src=x onerror=alert(1)>"'`${x}</script><script>alert(2)</script>"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def render(tmp_path: Path, text: str, values: dict[str, str] | None = None, page: str = "page.adoc",
           files: dict[str, str] | None = None):
    root = write(tmp_path / "w", {page: text, **(files or {})})
    workshop = load_workshop(root)
    return render_page(workshop.pages[page.rsplit(".", 1)[0]], values or {})


def html_of(tmp_path: Path, text: str, **kwargs) -> str:
    rendered = render(tmp_path, text, **kwargs)
    assert rendered.error is None, rendered.error
    return rendered.html


def test_section_titles_in_asciidoc_and_markdown_style(tmp_path):
    html = html_of(tmp_path, """
        = The page

        == Two equals

        ## Two hashes, as Markdown writes them

        ### Three hashes

        Text.
        """)
    assert '<h2 id="_two_equals">Two equals</h2>' in html
    assert '<h2 id="_two_hashes_as_markdown_writes_them">Two hashes, as Markdown writes them</h2>' in html
    assert '<h3 id="_three_hashes">Three hashes</h3>' in html
    assert "##" not in html and "The page" not in html  # the document title is the page's, shown by labdeck


def test_admonitions_are_boxes_with_their_label(tmp_path):
    html = html_of(tmp_path, """
        NOTE: Read this first.

        [WARNING]
        ====
        Deleting the project deletes everything in it.
        ====
        """)
    note = re.search(r'<div class="admonitionblock note">.*?</table>', html, re.S).group(0)
    assert '<div class="title">Note</div>' in note and "Read this first." in note
    warning = re.search(r'<div class="admonitionblock warning">.*?</table>', html, re.S).group(0)
    assert '<div class="title">Warning</div>' in warning and "Deleting the project" in warning


def test_callouts_number_the_lines_and_the_list(tmp_path):
    html = html_of(tmp_path, """
        [source,yaml]
        ----
        kind: Pod # <1>
        metadata:
          name: web <2>
        ----
        <1> The kind of object.
        <2> Its name.
        """)
    assert html.count('<b class="conum">') == 2 and '<b class="conum">(1)</b>' in html
    assert "&lt;1&gt;" not in html and "&lt;2&gt;" not in html
    assert re.search(r'<div class="colist arabic">\s*<ol>\s*<li>\s*<p>The kind of object.</p>', html)


def test_a_callout_in_an_execute_block_is_not_part_of_the_command(tmp_path):
    html = html_of(tmp_path, """
        [source,bash,role=execute]
        ----
        oc get pods <1>
        ----
        <1> Lists the pods.
        """)
    assert code_block_html("execute", "oc get pods") in html
    assert "Lists the pods." in html


def test_tables(tmp_path):
    html = html_of(tmp_path, """
        .Terminals
        |===
        | Role | Terminal

        | execute-2 | 2
        |===
        """)
    assert '<table class="tableblock' in html and '<caption class="title">Table 1. Terminals</caption>' in html
    assert '<th class="tableblock halign-left valign-top">Role</th>' in html
    assert '<td class="tableblock halign-left valign-top"><p class="tableblock">execute-2</p></td>' in html


def test_inline_code_is_monospaced(tmp_path):
    html = html_of(tmp_path, "Run `oc get pods` and `+{literal}+`.\n")
    assert "<code>oc get pods</code>" in html and "<code>{literal}</code>" in html


def test_include_is_read_relative_to_the_including_file(tmp_path):
    html = html_of(tmp_path, """
        == Setup

        include::parts/setup.adoc[]

        include::parts/lines.txt[lines=2..3]

        include::parts/tagged.sh[tag=install]
        """, page="content/page.adoc", files={
        "content/parts/setup.adoc": "Setup text.\n\ninclude::more.adoc[]\n",
        "content/parts/more.adoc": "[source,bash,role=execute]\n----\necho from more\n----\n",
        "content/parts/lines.txt": "one\ntwo\nthree\nfour\n",
        "content/parts/tagged.sh": "skipped\n# tag::install[]\nInstalled by tag.\n# end::install[]\nalso skipped\n",
    })
    assert "Setup text." in html
    assert code_block_html("execute", "echo from more") in html
    assert "two\nthree" in html and "one" not in html and "four" not in html
    assert "Installed by tag." in html and "skipped" not in html and "tag::" not in html


def test_variables_in_an_included_file_are_filled_in_and_escaped(tmp_path):
    html = html_of(tmp_path, "include::part.adoc[]\n", values={"username": ATTACK}, files={
        "part.adoc": "Hello %username%, %unknown% stays.\n\n[.execute]\n----\necho %username%\n----\n"})
    assert "Hello &lt;img src=x onerror=alert(1)&gt;" in html and "%unknown% stays." in html
    assert code_block_html("execute", f"echo {ATTACK}") in html
    assert "<img src=x" not in html


def test_the_server_folder_of_a_page_is_not_shown(tmp_path):
    html = html_of(tmp_path, "In {docdir} and {user-home}.\n")
    assert str(tmp_path) not in html


def test_include_of_etc_passwd_outside_the_workshop_is_refused(tmp_path):
    rendered = render(tmp_path, """
        Before.

        include::../../../../../../../../etc/passwd[]

        include::/etc/passwd[]

        After.
        """, page="content/page.adoc")
    assert "root:" not in rendered.html
    assert rendered.error is not None and rendered.error.line == 3
    assert "refused: it leads outside the workshop folder" in rendered.error.message
    assert "Before." in rendered.html and "After." in rendered.html  # the page is still shown


def test_include_through_a_symlink_out_of_the_workshop_is_refused(tmp_path):
    root = tmp_path / "w"
    root.mkdir()
    (root / "secret").symlink_to("/etc/passwd")
    rendered = render(tmp_path, "include::secret[]\n")
    assert "root:" not in rendered.html and "refused" in rendered.error.message


def test_a_missing_include_names_the_file_and_line_and_keeps_the_page(tmp_path):
    rendered = render(tmp_path, "First.\n\ninclude::nowhere.adoc[]\n")
    assert rendered.error.file == "page.adoc" and rendered.error.line == 3
    assert "no file nowhere.adoc" in rendered.error.message and "First." in rendered.html


def test_attributes_of_the_author_and_labdeck_variables(tmp_path):
    html = html_of(tmp_path, """
        = Page
        :app: wildwest
        :project_namespace: from-the-page

        Deploy {app} as {username} into {project_namespace}; {undefined} stays.

        [source,bash,role=execute,subs="attributes+"]
        ----
        oc new-app {app} -n {username}
        ----
        """, values={"username": "alice", "project_namespace": "ns-alice"})
    assert "Deploy wildwest as alice into from-the-page; {undefined} stays." in html
    assert code_block_html("execute", "oc new-app wildwest -n alice") in html


def test_code_blocks_keep_their_text_verbatim(tmp_path):
    code = "\n".join([
        "tkn pipeline start build -p namespace={{project_namespace}} \\",
        "  -p image=${IMAGE_REGISTRY}/${PROJECT}/app:latest",
        "podman login -u $(oc whoami) -p `oc whoami -t` %image_registry%",
        "curl https://example.com/api?a=1&b=<2>x",
        "echo {username} *not bold* _not em_ ++not pass++",
    ])
    values = {"image_registry": "registry.example.com:5000"}
    html = html_of(tmp_path, f"[source,bash,role=execute]\n----\n{code}\n----\n\n[source,bash]\n----\n{code}\n----\n",
                   values=values)
    expected = code.replace("%image_registry%", "registry.example.com:5000")
    assert code_block_html("execute", expected) in html
    highlighted = re.search(r'<div class="highlight"><pre>(.*?)</pre></div>', html, re.S).group(1)
    assert unescape(re.sub(r"<[^>]+>", "", highlighted)).strip("\n") == expected
    assert "<a " not in html  # URLs in code are no links
    assert "&lt;span" not in html and "&lt;/span" not in html  # no highlighter markup shown as text


@pytest.mark.parametrize(("block", "annotation"), [
    ("[source,bash,role=execute]\n----", "execute"),
    ("[source,bash,role=execute-1]\n----", "execute-1"),
    ("[source,bash,role=execute-2]\n----", "execute-2"),
    ("[source,bash,role=execute-all]\n----", "execute-all"),
    ("[.execute]\n----", "execute"),
    ("[source.execute-2,bash]\n----", "execute-2"),
    ("[source,bash,role=copy]\n----", "copy"),
    ("[source,bash,role=copy-and-edit]\n----", "copy-and-edit"),
    ("[role=execute]\n....", "execute"),
])
def test_clickable_blocks_are_the_markup_markdown_pages_get(tmp_path, block, annotation):
    delimiter = block.rsplit("\n", 1)[1]
    html = html_of(tmp_path, f"Text.\n\n{block}\noc get pods -o name\n{delimiter}\n")
    assert code_block_html(annotation, "oc get pods -o name") in html


def test_copypaste_blocks_are_click_to_copy(tmp_path):
    html = html_of(tmp_path, "[source,bash,role=copypaste]\n----\noc login\n----\n")
    expected = "copypaste" if "copypaste" in ANNOTATIONS else "copy"
    assert code_block_html(expected, "oc login") in html
    assert 'data-action="workshop:copy"' in html


def test_a_block_title_stays_above_a_clickable_block(tmp_path):
    html = html_of(tmp_path, ".Log in\n[source,bash,role=execute]\n----\noc login\n----\n")
    assert f'<div class="title">Log in</div>\n{code_block_html("execute", "oc login")}' in html


def test_a_hostile_user_name_runs_no_script_in_an_asciidoc_page(tmp_path):
    html = html_of(tmp_path, """
        Hello {username} and %username%, link:https://example.com/{username}[profile].

        [source,bash,role=execute,subs="attributes+"]
        ----
        echo {username} %username%
        ----
        """, values={"username": ATTACK})
    assert "<img src=x" not in html and "<script>alert" not in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") >= 2
    code = re.search(r'data-action="terminal:execute".*?<code>(.*?)</code>', html, re.S).group(1)
    assert unescape(code) == f"echo {ATTACK} {ATTACK}"


def test_an_unclosed_block_is_reported_with_its_line_and_the_page_still_shows(tmp_path):
    rendered = render(tmp_path, "---\nTitle: Front matter\n---\n= Title\n\nfine text\n\n----\nnever closed\n")
    assert rendered.error.file == "page.adoc" and rendered.error.line == 8
    assert "unterminated listing block" in rendered.error.message
    assert "fine text" in rendered.html and 'class="ld-error"' in rendered.html


def test_a_harmless_asciidoctor_warning_shows_no_box(tmp_path):
    rendered = render(tmp_path, "== A\n\n==== Skips a level\n\nText.\n")  # "section title out of sequence"
    assert rendered.error is None and 'class="ld-error"' not in rendered.html
    assert "Skips a level</h4>" in rendered.html


def test_without_node_asciidoc_pages_say_node_is_needed_and_markdown_pages_work(tmp_path, monkeypatch, caplog):
    root = write(tmp_path / "w", {"a.adoc": "AsciiDoc text.\n", "b.md": "Markdown text.\n"})
    ASCIIDOCTOR.stop()
    monkeypatch.setenv("PATH", str(tmp_path / "no-node-here"))
    try:
        with caplog.at_level(logging.WARNING):
            warn_without_node(root)
        assert "needs Node.js" in caplog.text and "nodejs" in caplog.text
        workshop = load_workshop(root)
        adoc, md = render_page(workshop.pages["a"], {}), render_page(workshop.pages["b"], {})
        assert 'class="ld-error"' in adoc.html and "needs Node.js" in adoc.html
        assert md.error is None and "Markdown text." in md.html
    finally:
        ASCIIDOCTOR.stop()


def test_a_markdown_workshop_without_node_gets_no_warning(tmp_path, monkeypatch, caplog):
    root = write(tmp_path / "w", {"b.md": "Markdown text.\n"})
    monkeypatch.setenv("PATH", str(tmp_path / "no-node-here"))
    with caplog.at_level(logging.WARNING):
        warn_without_node(root)
    assert "Node.js" not in caplog.text


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _command(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_text()


def _gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


async def test_one_node_process_serves_every_asciidoc_page_and_ends_with_the_worker(tmp_path):
    root = write(tmp_path / "w", {"a.adoc": "== A\n", "b.adoc": "== B\n"})
    workshop = load_workshop(root)
    worker = RenderWorker()
    try:
        first = await worker.call(30, "render", workshop.pages["a"], {}, frozenset())
        [node] = _children(worker.pid)
        second = await worker.call(30, "render", workshop.pages["b"], {}, frozenset())
        assert _children(worker.pid) == [node]  # reused, not started again
        assert '<h2 id="_a">A</h2>' in first.html and '<h2 id="_b">B</h2>' in second.html
        assert "asciidoctor_worker.mjs" in _command(node)
    finally:
        await worker.close()
    await asyncio.to_thread(wait_until, lambda: _gone(node), 10.0, "node to end with the render worker")


async def test_loading_an_asciidoc_workshop_starts_node_before_its_first_page(tmp_path):
    adoc = write(tmp_path / "adoc", {"a.adoc": "== A\n"})
    markdown = write(tmp_path / "md", {"b.md": "# B\n"})
    worker, other = RenderWorker(), RenderWorker()
    try:
        await worker.call(30, "load", adoc, "workshop.yaml", {"PATH": os.environ["PATH"]})
        [node] = await asyncio.to_thread(wait_until, lambda: _children(worker.pid), 20.0, "node to start")
        assert "asciidoctor_worker.mjs" in _command(node)
        workshop = await other.call(30, "load", markdown, "workshop.yaml", {"PATH": os.environ["PATH"]})
        await other.call(30, "render", workshop.pages["b"], {}, frozenset())
        assert _children(other.pid) == []  # a Markdown workshop needs no node
    finally:
        await worker.close()
        await other.close()


ASCIIDOC_EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "asciidoc"


def _asciidoctor_nodes_below(ancestor: int) -> list[int]:
    """Pids of node processes running asciidoctor_worker.mjs started by a render worker that
    descends from ``ancestor``."""

    def parent(pid: int) -> int:
        return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])

    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if b"asciidoctor_worker.mjs" not in (entry / "cmdline").read_bytes():
                continue
            pid = parent(int(entry.name))  # the render worker (this process's own node is no worker's)
            while pid > 1 and pid != ancestor:
                pid = parent(pid)
        except (OSError, ValueError, IndexError):
            continue
        if pid == ancestor:
            found.append(int(entry.name))
    return found


async def test_a_workshop_with_asciidoc_pages_starts_asciidoctor_at_labdeck_start(notes_client):
    """The first AsciiDoc page an attendee opens does not wait for node to start."""
    before = set(_asciidoctor_nodes_below(os.getpid()))
    await notes_client(ASCIIDOC_EXAMPLE)
    for _ in range(300):  # no page asked for: the started app loads the workshop, node comes up
        if set(_asciidoctor_nodes_below(os.getpid())) - before:
            break
        await asyncio.sleep(0.1)
    assert set(_asciidoctor_nodes_below(os.getpid())) - before, "no Asciidoctor node after labdeck started"
