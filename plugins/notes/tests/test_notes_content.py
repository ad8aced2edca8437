"""Finding and rendering workshop content, without a server."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from labdeck_notes import configjs
from labdeck_notes.render import render_page
from labdeck_notes.workshop import load_workshop


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def test_markdown_features_authors_use(tmp_path):
    root = write(tmp_path, {"page.md": """
        # Features

        | a | b |
        |---|---|
        | 1 | 2 |

        ~~gone~~ and https://example.com/docs

        - [x] done
        - [ ] todo

        ## Anchored {: #here .special}

        ```python
        print("hi")
        ```

        <div class="raw"><script>window.authorCode = 1</script></div>

        ```execute-3
        echo three
        ```

        ```execute-all
        <ctrl+c>
        ```
        """})
    workshop = load_workshop(root)
    html = render_page(workshop.pages["page"], {}).html
    assert "<table>" in html and "<td>1</td>" in html
    assert "<del>gone</del>" in html
    assert '<a href="https://example.com/docs">https://example.com/docs</a>' in html
    assert 'type="checkbox" disabled checked' in html
    assert 'id="here"' in html and 'class="special"' in html
    assert 'id="features"' in html  # heading anchors
    assert '<span class="nb">print</span>' in html  # pygments
    assert '<div class="raw"><script>window.authorCode = 1</script></div>' in html  # trusted raw HTML
    assert 'data-action="terminal:execute" data-session="3"' in html
    assert 'data-action="terminal:interrupt" role="button"' in html  # execute-all + ctrl-c: every terminal
    assert workshop.pages["page"].title == "Features"


def test_plain_folder_orders_by_name_and_sort_file(tmp_path):
    root = write(tmp_path, {
        "b-second.md": "---\nSort: 2\n---\nB",
        "a-first.md": "---\nSort: 1\nTitle: First!\n---\nA",
        "zz/one.md": "---\nSort: 1\n---\nZ1",
        "zz/sort": "0",
        "yy/two.md": "Y",
    })
    workshop = load_workshop(root)
    assert workshop.layout == "pages"
    assert workshop.sequence == ["zz/one", "a-first", "b-second", "yy/two"]
    assert workshop.pages["a-first"].title == "First!"
    assert workshop.pages["yy/two"].title == "Two"


def test_raneto_layout_and_exit_link(tmp_path):
    write(tmp_path, {
        "raneto/content/index.md": "---\nTitle: Start\nNextPage: steps/one\n---\nHi",
        "raneto/content/steps/one.md": "---\nTitle: One\nPrevPage: ../index\nNextPage: ../end\n---\nOne",
        "raneto/content/end.md": "---\nTitle: End\nExitSign: Done\nExitLink: https://example.com/next\n---\nEnd",
        "raneto/content/orphan.md": "---\nTitle: Orphan\n---\nnobody links here",
    })
    workshop = load_workshop(tmp_path)
    assert workshop.sequence == ["index", "steps/one", "end"]
    assert workshop.pages["orphan"].index is None
    assert workshop.pages["end"].exit_link == "https://example.com/next"
    assert workshop.pages["end"].exit_sign == "Done"


def test_modules_vars_env_aliases_and_workshop_file_override(tmp_path):
    root = write(tmp_path, {
        "workshop/modules.yaml": """
            config:
                vars:
                - name: LANGUAGE
                  value: undefined
                  aliases: [WORKSHOP_LANG]
                - name: PLAIN
                  value: default
            modules:
                intro: {name: Intro}
            """,
        "workshop/workshop-python.yaml": """
            name: Python
            vars:
                PLAIN: from-workshop-file
            modules:
                activate: [intro]
            """,
        "workshop/content/intro.md": "x",
    })
    env = {"LANGUAGE": "java", "WORKSHOP_LANG": "python"}
    workshop = load_workshop(root, env, workshop_file="workshop-python.yaml")
    assert workshop.title == "Python"
    assert workshop.config_vars == {"LANGUAGE": "python", "PLAIN": "from-workshop-file"}
    assert load_workshop(root, {"LANGUAGE": "java"}, "workshop-python.yaml").config_vars["LANGUAGE"] == "java"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_config_js_initialize_function_runs_under_node(tmp_path):
    root = write(tmp_path, {
        "workshop/config.js": """
            function initialize(workshop) {
                workshop.load_workshop();
                workshop.data_variable('LANGUAGE', process.env['WORKSHOP_FILE'] == 'py.yaml' ? 'python' : 'java');
            }
            exports.default = initialize;
            module.exports = exports.default;
            """,
        "workshop/content/a.md": "%LANGUAGE%",
    })
    environ = {"WORKSHOP_FILE": "py.yaml", "PATH": "/usr/bin:/bin"}
    assert load_workshop(root, environ).config_vars == {"LANGUAGE": "python"}


def test_config_js_without_node_names_the_skipped_variables(monkeypatch, caplog):
    monkeypatch.setattr(configjs.shutil, "which", lambda name: None)
    workshop = load_workshop(Path(__file__).resolve().parents[3] / "examples" / "raneto")
    assert workshop.title == "Scaling a Blog"  # still read without running it
    warning = " ".join(str(p) for p in workshop.problems)
    assert "node is not installed" in warning
    assert "app_namespace, app_name" in warning
    assert "app_namespace" in caplog.text


def test_config_js_that_fails_is_a_warning_not_a_crash(tmp_path):
    root = write(tmp_path, {"workshop/config.js": "throw new Error('boom');", "workshop/content/a.md": "A"})
    workshop = load_workshop(root)
    assert list(workshop.pages) == ["a"]
    if shutil.which("node"):
        assert any("node failed" in p.message for p in workshop.problems)


def test_asciidoc_page_error_names_file_and_line(tmp_path):
    root = write(tmp_path, {"page.adoc": "= Title\n\nfine\n\n----\nnever closed\n"})
    workshop = load_workshop(root)
    rendered = render_page(workshop.pages["page"], {})
    assert rendered.error is not None and rendered.error.file == "page.adoc" and rendered.error.line == 5
    assert 'class="ld-error"' in rendered.html and "page.adoc, line 5" in rendered.html
