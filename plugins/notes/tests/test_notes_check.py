"""``labdeck notes check``: the corpus passes, planted defects are found with file and line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

WORKSHOPS = ("lab-workshop-content", "lab-k8s-fundamentals", "lab-couchbase-operator")
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "workshop"


def labdeck(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labdeck", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", WORKSHOPS)
def test_corpus_workshops_have_no_errors(name, corpus):
    from labdeck_notes.check import check_workshop

    problems = check_workshop(corpus / name)
    assert [str(p) for p in problems if p.level == "error"] == []


def test_the_example_workshop_is_clean():
    from labdeck_notes.check import check_workshop

    assert check_workshop(EXAMPLE) == []


def test_planted_defects_are_reported_with_file_and_line(corpus_copy):
    workshop = corpus_copy("lab-couchbase-operator")
    content = workshop / "workshop" / "content"

    def edit(name: str, old: str, new: str) -> None:
        path = content / name
        text = path.read_text()
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1))

    edit("exercises/01-operator-prerequisites.md", "NextPage: 02-creating-the-cluster", "NextPage: 02-no-such-page")
    edit("exercises/03-exposing-console.md", "NextPage: 04-using-console", "NextPage: 02-creating-the-cluster")
    edit("exercises/04-using-console.md", "(console-auth.png)", "(console-missing.png)")
    edit("exercises/02-creating-the-cluster.md", "Title: Creating the Cluster", "Title: [broken")
    edit("finish.md", "In this lab", "In %clustr_subdomain% this lab")
    edit("exercises/02-creating-the-cluster.md", "```execute-1\ncat", "```exeucte\ncat")
    result = labdeck("notes", "check", str(workshop))
    out = result.stdout
    assert result.returncode == 1, out
    expected = [
        "workshop/content/exercises/01-operator-prerequisites.md:4: error: NextPage '02-no-such-page': no such page",
        "workshop/content/exercises/04-using-console.md:9: error: image 'console-missing.png' not found",
        "workshop/content/exercises/02-creating-the-cluster.md:3: error: malformed front matter",
        "workshop/content/finish.md:7: warning: unknown variable %clustr_subdomain%",
        "workshop/content/exercises/02-creating-the-cluster.md:9: warning: unknown code-block annotation 'exeucte'",
        "warning: page is unreachable",
    ]
    for line in expected:
        assert line in out, (line, out)


def test_a_navigation_cycle_is_an_error(corpus_copy):
    from labdeck_notes.check import check_workshop

    workshop = corpus_copy("lab-couchbase-operator")
    page = workshop / "workshop" / "content" / "exercises" / "03-exposing-console.md"
    page.write_text(page.read_text().replace("NextPage: 04-using-console", "NextPage: ../index"))
    problems = [str(p) for p in check_workshop(workshop)]
    assert "workshop/content/exercises/03-exposing-console.md:4: error: navigation cycle: " \
           "NextPage '../index' goes back to 'index'" in problems


def test_missing_module_file_and_clean_exit(corpus_copy):
    workshop = corpus_copy("lab-k8s-fundamentals")
    (workshop / "workshop" / "content" / "exercises" / "05-querying-the-resources.md").unlink()
    result = labdeck("notes", "check", str(workshop))
    assert result.returncode == 1
    assert "workshop/workshop.yaml:10: error: module 'exercises/05-querying-the-resources' has no page file" \
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
