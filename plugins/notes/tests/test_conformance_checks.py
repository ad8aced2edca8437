"""Checks in real Chromium on the corpus' Educates examiner workshop and Killercoda verification
scenarios (``labdeck serve`` with a stand-in ``kubectl`` on PATH whose pods are files in a folder):
an autostart check with retries turns green once its condition holds, a failing check shows its
script's output, a gated page opens only after its check passed, an ``inputs`` form's answers
reach the script, and a Killercoda step's Check button runs its verify script."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from labdeck_testing import wait_until

# as the repository's conftest.py finds the corpus
CORPUS = Path(os.environ.get("LABDECK_CORPUS", Path(__file__).resolve().parents[4] / "shared" / "corpus"))
EXAMINER = CORPUS / "educates-lab-examiner-scripts"
VERIFICATION = CORPUS / "killercoda-verification"
TWO_NODE = CORPUS / "killercoda-kubernetes-2node-multi-step-verification"

pytestmark = [pytest.mark.conformance,
              pytest.mark.skipif(not EXAMINER.is_dir(), reason="the shared corpus is not here")]

#: enough of kubectl for the corpus' scripts: a pod is a file named after it in $KUBE_PODS
KUBECTL = r"""#!/bin/bash
pods="$KUBE_PODS"
case "$1" in
  run) shift; while [[ "$1" == -* ]]; do shift; done; touch "$pods/$1"; echo "pod/$1 created" ;;
  delete) rm -f "$pods/$3"; echo "pod \"$3\" deleted" ;;
  get)
    target="$2"; [ "$2" = pod ] && target="pod/$3"
    case "$target" in
      pods) for p in "$pods"/*; do [ -e "$p" ] && echo "pod/${p##*/}"; done; exit 0 ;;
      pod/*) name="${target#pod/}"
             if [ -e "$pods/$name" ]; then echo "pod/$name"; exit 0; fi
             echo "Error from server (NotFound): pods \"$name\" not found" >&2; exit 1 ;;
    esac ;;
esac
"""


@pytest.fixture
def cluster(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """The environment of a labdeck whose checks see the stand-in kubectl, and its pods folder."""
    bin_dir, pods, home = tmp_path / "bin", tmp_path / "pods", tmp_path / "home"
    for folder in (bin_dir, pods, home):
        folder.mkdir()
    (bin_dir / "kubectl").write_text(KUBECTL)
    (bin_dir / "kubectl").chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "KUBE_PODS": str(pods), "HOME": str(home),
           "TERMINAL_HOME": str(home), "LABDECK_RUNTIME_DIR": str(tmp_path / "run"),
           "LABDECK_NOTES_PROGRESS_FILE": str(tmp_path / "progress.sqlite")}
    return env, pods


def open_page(chromium, server, path: str):
    context = chromium.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server.url}?token={server.token}")
    page.goto(f"{server.url}notes/{path}")
    return context, page, errors


def test_an_autostart_check_with_retries_turns_green_once_the_pod_runs(chromium, labdeck_server, cluster):
    from playwright.sync_api import expect

    env, pods = cluster
    server = labdeck_server(env={"WORKSHOP_DIR": str(EXAMINER), **env})
    context, page, errors = open_page(chromium, server, "01-deploying-a-pod")
    try:
        check = page.locator(".ld-check")
        expect(check).to_have_attribute("data-state", "waiting")  # failed, retrying: .INF
        expect(check.locator(".ld-check-status")).to_contain_text("trying again in")
        # the failing script's output (set -x) is on the block while it waits
        expect(check.locator(".ld-check-output")).to_contain_text("kubectl get pods --field-selector")
        (pods / "one").touch()
        expect(check).to_have_attribute("data-state", "passed")
        expect(check.locator(".ld-check-status")).to_have_text("Passed")
        expect(check.locator(".ld-check-output")).to_be_hidden()
        assert errors == []
    finally:
        context.close()


def test_a_gated_page_opens_only_after_its_check_passed(chromium, labdeck_server, cluster):
    from playwright.sync_api import expect

    env, pods = cluster
    server = labdeck_server(env={"WORKSHOP_DIR": str(EXAMINER), "LABDECK_NOTES_REQUIRE_CHECKS": "true", **env})
    context, page, errors = open_page(chromium, server, "02-deleting-a-pod")
    try:
        expect(page).to_have_url(f"{server.url}notes/01-deploying-a-pod?locked=02-deleting-a-pod")
        expect(page.locator(".ld-locked")).to_contain_text("Pass this page's checks to open")
        next_button = page.locator("a.ld-nav-next")
        expect(next_button).to_have_attribute("aria-disabled", "true")
        expect(next_button).to_be_disabled()
        next_button.click(force=True)  # a click anyway leads nowhere
        expect(page.locator(".ld-page-title")).to_have_text("Deploying a pod")
        (pods / "one").touch()
        expect(page.locator(".ld-check")).to_have_attribute("data-state", "passed")
        expect(next_button).not_to_have_attribute("aria-disabled", "true")
        next_button.click()
        expect(page.locator(".ld-page-title")).to_have_text("Deleting a pod")
        assert errors == []
    finally:
        context.close()


@pytest.mark.skipif(shutil.which("jq") is None, reason="the corpus' start-pod script needs jq")
def test_an_inputs_form_sends_its_answers_to_the_script(chromium, labdeck_server, cluster):
    from playwright.sync_api import expect

    env, pods = cluster
    server = labdeck_server(env={"WORKSHOP_DIR": str(EXAMINER), **env})
    context, page, errors = open_page(chromium, server, "03-user-input")
    try:
        check = page.locator(".ld-check")
        field = check.get_by_label("Name:")
        expect(field).to_have_value("my-app")
        assert not (pods / "my-app").exists()  # no autostart for a form
        field.fill("web-7")
        check.get_by_role("button", name="Start").click()
        expect(check).to_have_attribute("data-state", "passed")
        assert (pods / "web-7").is_file()
        assert errors == []
    finally:
        context.close()


def test_a_killercoda_check_button_runs_the_verify_script_and_shows_why_it_failed(chromium, labdeck_server,
                                                                                  cluster):
    from playwright.sync_api import expect

    env, pods = cluster
    server = labdeck_server(env={"WORKSHOP_DIR": str(VERIFICATION), **env})
    context, page, errors = open_page(chromium, server, "create_file")
    try:
        check = page.locator(".ld-check")
        check.get_by_role("button", name="Check").click()
        expect(check).to_have_attribute("data-state", "failed")
        expect(check.locator(".ld-check-output")).to_contain_text("/etc/panda")  # stat's own complaint
        expect(check.locator(".ld-check-status")).to_contain_text("Failed (exit status 1)")
        assert errors == []
    finally:
        context.close()

    server = labdeck_server(env={"WORKSHOP_DIR": str(TWO_NODE), "LABDECK_NOTES_REQUIRE_CHECKS": "1", **env})
    context, page, errors = open_page(chromium, server, "step1/text")
    try:
        check = page.locator(".ld-check")
        check.get_by_role("button", name="Check").click()
        expect(check.locator(".ld-check-output")).to_contain_text('pods "my-pod" not found')
        expect(page.locator(".ld-exit-button")).to_have_attribute("aria-disabled", "true")
        (pods / "my-pod").touch()
        check.get_by_role("button", name="Check").click()
        expect(check).to_have_attribute("data-state", "passed")
        page.locator(".ld-exit-button").click()
        expect(page.locator(".ld-page-title")).to_have_text("Delete a pod")
        wait_until(lambda: "check verify on step1/text: passed" in "".join(server.output), 5, "the log line")
        assert errors == []
    finally:
        context.close()
