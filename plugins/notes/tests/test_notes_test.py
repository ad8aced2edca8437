"""``labdeck notes test DIR``: every page's commands typed into real shells of a real terminal
server, its checks run, each block reported with file:line; JUnit XML for CI."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "workshop"
BLOCK_1 = "workshop/content/exercises/01-first-commands.md"


@pytest.fixture
def notes_test(tmp_path: Path):
    """``labdeck notes test`` in a home of its own (the shells start there)."""
    home = tmp_path / "home"
    home.mkdir()

    def run(*args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "HOME": str(home), "SHELL": "/bin/bash"}
        return subprocess.run([sys.executable, "-m", "labdeck", "notes", "test", *map(str, args)],
                              capture_output=True, text=True, timeout=240, env=env)

    run.home = home
    return run


def write_pages(folder: Path, pages: dict[str, str]) -> Path:
    folder.mkdir()
    for name, text in pages.items():
        (folder / name).write_text(text)
    return folder


def test_the_example_workshop_passes_and_its_junit_file_parses(notes_test, tmp_path):
    junit = tmp_path / "results.xml"
    done = notes_test(EXAMPLE, "--junit", junit)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"passed  {BLOCK_1}:3 echo \"Hello from the notes\"; date" in done.stdout
    # top keeps running until the next block's Ctrl-C, as on the page
    assert f"passed  {BLOCK_1}:15 top: still running, as the next block of its terminal expects" in done.stdout
    assert "passed  workshop/content/exercises/02-variables.md:14 echo \"hello, " in done.stdout  # variables filled
    assert "passed  workshop/content/exercises/03-asciidoc.adoc:7" in done.stdout
    assert ": 6 passed, 0 failed, 0 skipped" in done.stdout
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "6" and root.get("failures") == "0"
    suite = root.find("testsuite[@name='exercises/01-first-commands']")
    assert [case.get("line") for case in suite.iter("testcase")] == ["3", "9", "15", "21"]
    assert "Hello from the notes" in suite.find("testcase/system-out").text


def test_a_broken_command_fails_naming_page_block_line_and_output(notes_test, example_copy, tmp_path):
    workshop = example_copy("workshop")
    page = workshop / BLOCK_1
    page.write_text(page.read_text().replace("uname -a", "uname -a\nls /no/such-folder-here\necho not reached"))
    junit = tmp_path / "results.xml"
    done = notes_test(workshop, "--junit", junit)
    assert done.returncode == 1, done.stdout
    assert f"failed  {BLOCK_1}:9 uname -a: exit status 2" in done.stdout
    report = done.stdout.split(f"{BLOCK_1}:9")[1]
    output = report.split("\n\n")[0]
    assert "ls /no/such-folder-here" in output and "No such file or directory" in output
    assert "| not reached" in output  # every line is typed, as a click types them; the first failure counts
    assert "exercises/01-first-commands (" in done.stdout and ": 5 passed, 1 failed" in done.stdout
    case = ET.parse(junit).getroot().find(".//testcase[failure]")
    assert (case.get("file"), case.get("line"), case.get("classname")) == (BLOCK_1, "9", "exercises/01-first-commands")
    assert case.find("failure").get("message") == "exit status 2"
    assert "No such file or directory" in case.find("failure").text


def test_page_and_from_narrow_the_run(notes_test, example_copy):
    workshop = example_copy("workshop")
    page = workshop / BLOCK_1
    page.write_text(page.read_text().replace("uname -a", "false"))
    only = notes_test(workshop, "--page", "exercises/02-variables")
    assert only.returncode == 0, only.stdout
    assert "02-variables.md:14" in only.stdout and "01-first-commands" not in only.stdout
    assert ": 1 passed, 0 failed" in only.stdout
    later = notes_test(workshop, "--from", "workshop/content/exercises/03-asciidoc.adoc")
    assert later.returncode == 0 and "03-asciidoc.adoc:7" in later.stdout and "finish (" in later.stdout
    assert "02-variables" not in later.stdout
    assert notes_test(workshop, "--from", "exercises/01-first-commands").returncode == 1
    unknown = notes_test(workshop, "--page", "exercises/no-such-page")
    assert unknown.returncode == 2 and "no page 'exercises/no-such-page'" in unknown.stdout


def test_a_block_that_waits_forever_is_cut_and_reported_as_skipped(notes_test, tmp_path):
    folder = write_pages(tmp_path / "wait", {"01-wait.md": (
        "# Wait\n\n```execute\nsleep 600\n```\n\nThen:\n\n```execute\necho after the wait > after.txt\n```\n")})
    junit = tmp_path / "results.xml"
    done = notes_test(folder, "--timeout", "2", "--junit", junit)
    assert done.returncode == 0, done.stdout
    assert "skipped 01-wait.md:3 sleep 600: still running after 2 s: cut with Ctrl-C" in done.stdout
    assert "passed  01-wait.md:9 echo after the wait > after.txt" in done.stdout
    assert (notes_test.home / "after.txt").read_text() == "after the wait\n"  # the shell was free again
    skipped = ET.parse(junit).getroot().find(".//testcase[skipped]")
    assert skipped.get("line") == "3" and "cut with Ctrl-C" in skipped.find("skipped").get("message")


def test_a_block_that_ends_its_shell_passes_and_the_next_block_gets_a_new_one(notes_test, tmp_path):
    folder = write_pages(tmp_path / "exit", {"01-exit.md": (
        "```execute\nexport MARK=old-shell\n```\n\n```execute\nexit\n```\n\n"
        "```execute\necho \"[$MARK]\" > mark.txt\n```\n")})
    done = notes_test(folder)
    assert done.returncode == 0, done.stdout
    assert "passed  01-exit.md:5 exit" in done.stdout
    assert (notes_test.home / "mark.txt").read_text() == "[]\n"


def test_a_block_marked_manual_is_skipped_and_never_run(notes_test, tmp_path):
    folder = write_pages(tmp_path / "manual", {"01-manual.md": (
        "<!-- labdeck-test: manual -->\n```execute\ntouch ran-manual\n```\n\n```execute\ntouch ran-auto\n```\n")})
    done = notes_test(folder)
    assert done.returncode == 0, done.stdout
    assert "skipped 01-manual.md:2 touch ran-manual: marked manual" in done.stdout
    assert not (notes_test.home / "ran-manual").exists() and (notes_test.home / "ran-auto").exists()


def test_educates_sessions_input_interrupt_and_examiner_checks(notes_test, tmp_path):
    folder = tmp_path / "educates"
    tests = folder / "workshop" / "examiner" / "tests"
    tests.mkdir(parents=True)
    (folder / "workshop" / "content").mkdir()
    (tests / "greeted").write_text('#!/bin/bash\nread -r answers\necho "answers: $answers"\n'
                                   'echo "$answers" > "answers-$1.txt"\ngrep -q "hello $1" greeting.txt\n')
    (tests / "greeted").chmod(0o755)
    (folder / "workshop" / "content" / "01-page.md").write_text(
        "```terminal:execute\ncommand: read -r name\n```\n\n"
        "```terminal:input\ntext: alice\n```\n\n"
        "```terminal:execute\ncommand: echo \"hello $name\" > greeting.txt\n```\n\n"
        "```terminal:execute\nsession: 2\ncommand: echo $LABDECK_TERMINAL_SESSION > session.txt; sleep 600\n```\n\n"
        "```terminal:interrupt\nsession: 2\n```\n\n"
        "```examiner:execute-test\nname: greeted\nargs:\n- alice\n"
        "inputs:\n  schema:\n    name:\n      type: string\n      default: my-app\n```\n\n"
        "```examiner:execute-test\nname: greeted\nargs:\n- bob\nretries: 2\ndelay: 0.1\n```\n")
    done = notes_test(folder)
    page = "workshop/content/01-page.md"
    assert f"passed  {page}:1 read -r name: still running, as the next block" in done.stdout
    assert f"passed  {page}:5" in done.stdout and f"passed  {page}:9" in done.stdout
    assert f"passed  {page}:13 echo $LABDECK_TERMINAL_SESSION > session.txt; sleep 600: still running" in done.stdout
    assert (notes_test.home / "session.txt").read_text() == "2\n"
    assert f"passed  {page}:18 interrupt terminal 2" in done.stdout
    assert f"passed  {page}:22 check greeted" in done.stdout
    assert f"failed  {page}:33 check greeted: examiner test 'greeted': exit status 1 after 3 tries" in done.stdout
    assert '| answers: {}' in done.stdout  # the stdin of a check without inputs
    assert (notes_test.home / "answers-alice.txt").read_text() == '{"name": "my-app"}\n'  # the form's defaults
    assert done.returncode == 1


def test_killercoda_exec_markers_and_verify_script(notes_test, tmp_path):
    folder = write_pages(tmp_path / "scenario", {
        "index.json": '{"title": "T", "details": {"steps": ['
                      '{"title": "One", "text": "step1.md", "verify": "verify1.sh"},'
                      '{"title": "Two", "text": "step2.md", "verify": "verify2.sh"}]}}',
        "step1.md": "Run `touch from-inline`{{exec}} and\n\n```\nsleep 600\n```{{exec}}\n\n"
                    "```\ntouch from-fence\n```{{exec interrupt}}\n\nNot `touch copied-only`{{copy}}.\n",
        "verify1.sh": "test -f from-inline && test -f from-fence\n",
        "step2.md": "Nothing to run.\n",
        "verify2.sh": "echo panda missing; test -f /no/such/panda\n"})
    done = notes_test(folder, "--timeout", "30")
    assert "passed  step1.md:1 touch from-inline" in done.stdout
    assert "passed  step1.md:3 sleep 600: still running, as the next block" in done.stdout
    assert "passed  step1.md:7 touch from-fence" in done.stdout
    assert "passed  step1.md check verify1.sh" in done.stdout
    assert "failed  step2.md check verify2.sh: verify script 'verify2.sh': exit status 1" in done.stdout
    assert "| panda missing" in done.stdout
    assert not (notes_test.home / "copied-only").exists()
    assert done.returncode == 1
