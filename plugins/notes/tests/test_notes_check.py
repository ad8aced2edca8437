"""``labdeck notes check``: the examples pass, planted defects are found with file and line
(the corpus workshops: test_conformance_notes.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
EXAMPLE = EXAMPLES / "workshop"


def labdeck(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labdeck", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", ["workshop", "raneto", "modules", "asciidoc"])
def test_the_example_workshops_are_clean(name):
    from labdeck_notes.check import check_workshop

    assert [str(p) for p in check_workshop(EXAMPLES / name)] == []


def test_planted_defects_are_reported_with_file_and_line(example_copy):
    workshop = example_copy("raneto")
    content = workshop / "raneto" / "content"
    (content / "orphan.md").write_text("---\nTitle: Orphan\n---\nnobody links here\n")

    def edit(name: str, old: str, new: str) -> None:
        path = content / name
        text = path.read_text()
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1))

    edit("exercises/01-setup.md", "NextPage: 02-scaling", "NextPage: 02-no-such-page")
    edit("exercises/01-setup.md", "(diagram.png)", "(diagram-missing.png)")
    edit("exercises/02-scaling.md", "Title: Scaling the Application", "Title: [broken")
    edit("finish.md", "In this lab", "In %clustr_subdomain% this lab")
    edit("exercises/02-scaling.md", "```execute-2\nkubectl", "```exeucte\nkubectl")
    result = labdeck("notes", "check", str(workshop))
    out = result.stdout
    assert result.returncode == 1, out
    expected = [
        "raneto/content/exercises/01-setup.md:4: error: NextPage '02-no-such-page': no such page",
        "raneto/content/exercises/01-setup.md:9: error: image 'diagram-missing.png' not found",
        "raneto/content/exercises/02-scaling.md:3: error: malformed front matter",
        "raneto/content/finish.md:7: warning: unknown variable %clustr_subdomain%",
        "raneto/content/exercises/02-scaling.md:15: warning: unknown code-block annotation 'exeucte'",
        "raneto/content/orphan.md: warning: page is unreachable",
    ]
    for line in expected:
        assert line in out, (line, out)


def test_a_navigation_cycle_is_an_error(example_copy):
    from labdeck_notes.check import check_workshop

    workshop = example_copy("raneto")
    page = workshop / "raneto" / "content" / "exercises" / "02-scaling.md"
    page.write_text(page.read_text().replace("NextPage: ../finish", "NextPage: ../index"))
    problems = [str(p) for p in check_workshop(workshop)]
    assert "raneto/content/exercises/02-scaling.md:4: error: navigation cycle: " \
           "NextPage '../index' goes back to 'index'" in problems


def test_missing_module_file_and_clean_exit(example_copy):
    workshop = example_copy("modules")
    (workshop / "workshop" / "content" / "exercises" / "02-data-variables.md").unlink()
    result = labdeck("notes", "check", str(workshop))
    assert result.returncode == 1
    assert "workshop/workshop.yaml:7: error: module 'exercises/02-data-variables' has no page file" \
        in result.stdout
    clean = labdeck("notes", "check", str(EXAMPLE))
    assert clean.returncode == 0 and "0 error(s), 0 warning(s)" in clean.stdout


def test_a_broken_asciidoc_page_is_reported(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "w")
    page = tmp_path / "w" / "workshop" / "content" / "exercises" / "03-asciidoc.adoc"
    page.write_text(page.read_text() + "\n----\nnever closed\n")
    from labdeck_notes.check import check_workshop

    problems = [str(p) for p in check_workshop(tmp_path / "w")]
    page_errors = [p for p in problems if p.startswith("workshop/content/exercises/03-asciidoc.adoc:") and "error" in p]
    assert page_errors, problems


def write_workshop(root: Path, pages: dict[str, str], modules: str = "", workshop_yaml: str = "") -> Path:
    """A small homeroom workshop: workshop/content/<page>, and modules.yaml listing the pages in order."""
    content = root / "workshop" / "content"
    content.mkdir(parents=True)
    for name, text in pages.items():
        (content / name).write_text(text)
    listing = "".join(f"    {Path(name).stem}:\n        name: {Path(name).stem}\n" for name in pages)
    (root / "workshop" / "modules.yaml").write_text(modules + "modules:\n" + listing)
    if workshop_yaml:
        (root / "workshop" / "workshop.yaml").write_text(workshop_yaml)
    return root


def problems_of(root: Path) -> list[str]:
    from labdeck_notes.check import check_workshop

    return [str(p) for p in check_workshop(root)]


def test_a_fence_never_closed_swallows_the_page_and_is_an_error(tmp_path):
    root = write_workshop(tmp_path, {"01-start.md": (
        "Run this:\n\n```execute\noc whoami\n``\n\nThen read on: this prose is inside the block.\n\nAnd this.\n")})
    assert "workshop/content/01-start.md:3: error: code block never closed: the rest of the page (6 lines) " \
           "is inside it" in problems_of(root)


def test_an_asciidoc_block_never_closed_is_an_error(tmp_path):
    root = write_workshop(tmp_path, {"01-start.adoc": (
        "= Start\n\n[source,bash,role=execute]\n----\noc whoami\n---\n\nProse.\n")})
    # (the AsciiDoc engine may say so too, in its own words)
    assert "workshop/content/01-start.adoc:4: error: code block never closed: the rest of the page (4 lines) " \
           "is inside it" in problems_of(root)


def test_a_block_that_renders_differently_empty_or_not_at_all_is_named_with_its_line(tmp_path):
    """check_blocks compares the source's clickable blocks with a rendered page: here pages as a
    broken renderer made them (backticks eaten, a block emptied, a block dropped)."""
    from labdeck_notes.check import check_blocks
    from labdeck_notes.codeblocks import code_block_html
    from labdeck_notes.workshop import load_workshop

    source = ("Log in:\n\n```execute\noc login -p `oc whoami -t`\n```\n\n```execute-2\necho %username%\n```\n\n"
              "```copy\nkeep me\n```\n\n```execute\ngone\n```\n")
    root = write_workshop(tmp_path, {"01-start.md": source})
    page = load_workshop(root).pages["01-start"]
    rendered = (code_block_html("execute", "oc login -p oc whoami -t") + code_block_html("execute-2", "")
                + code_block_html("copy", "keep me"))
    found = [str(p) for p in check_blocks(page, source, rendered, {"username"}, liquid=False)]
    assert found == [
        "workshop/content/01-start.md:3: error: execute block renders differently from its source: a click sends "
        "'oc login -p oc whoami -t', the source has 'oc login -p `oc whoami -t`'",
        "workshop/content/01-start.md:7: error: execute-2 block renders empty",
        "workshop/content/01-start.md:15: error: execute block is not clickable on the rendered page",
    ]
    as_written = "".join(code_block_html(name, text) for name, text in [
        ("execute", "oc login -p `oc whoami -t`"), ("execute-2", "echo %username%"), ("copy", "keep me"),
        ("execute", "gone")])
    assert check_blocks(page, source, as_written, {"username"}, liquid=False) == []


def test_fences_shown_inside_html_pre_are_not_blocks(tmp_path):
    root = write_workshop(tmp_path, {"01-start.md": (
        "Write this:\n\n<pre><code>```execute\necho upper\n```</code></pre>\n\nwhich shows as:\n\n"
        "```execute\necho upper\n```\n")})
    assert problems_of(root) == []


def test_variables_the_original_knew_are_not_unknown(tmp_path):
    root = write_workshop(tmp_path, {"01-start.md": (
        "Push to %image_registry%/%project_namespace%/app as %username%; %from_workshop_file% "
        "and %declared%.\n\n```copypaste\ndocker push %image_registry%/app\n```\n\n%nobody_knows%\n")},
        modules="config:\n    vars:\n    - name: declared\n      value: x\n",
        workshop_yaml="vars:\n    from_workshop_file: y\n")
    assert problems_of(root) == [
        "workshop/content/01-start.md:7: warning: unknown variable %nobody_knows% (it is shown as written)"]


def test_a_liquid_workshop_warns_of_unknown_liquid_variables_only(tmp_path):
    root = write_workshop(tmp_path, {"01-start.adoc": (
        "= Start\n\nLog in as `{{username}}` at {{ cluster_subdomain }}; {{ nope }}.\n\n"
        "[source,bash,role=execute-1]\n----\noc get route app --template '{{.spec.host}}'\n----\n")},
        modules="config:\n    template_engine: liquid.js\n")
    assert problems_of(root) == [
        "workshop/content/01-start.adoc:3: warning: unknown variable {{nope}} (Liquid shows it as nothing)"]
