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
