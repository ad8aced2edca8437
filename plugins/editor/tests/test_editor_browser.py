"""The Editor tab in real Chromium, inside the real dashboard beside a real terminal: the tree,
typing, Ctrl-S, the dirty marker, changes on disk, and the Educates actions from the bus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from labdeck_testing import wait_until

SCREEN = "() => document.querySelector('.xterm-rows').innerText"


@pytest.fixture
def dashboard(open_dashboard, home):
    """A signed-in dashboard page (notes, terminal, editor) on a real ``labdeck serve``."""
    workshop = home.parent / "workshop"
    workshop.mkdir()
    (workshop / "01-edit.md").write_text(
        "# Edit\n\n<button id=open-app onclick=\"labdeck.post('editor:open-file', "
        "{file: '~/app.py', line: 3})\">Open app.py</button>\n")
    page, _ = open_dashboard(workshop)
    return page


def notes_page(page, url):
    page.locator("#ld-notes").element_handle().content_frame().goto(url)
    return page.frame_locator("#ld-notes")


def editor(page):
    return page.locator("iframe[title=Editor]").element_handle().content_frame()


def post(page, action: str, **args) -> None:
    """Post an action on the bus the way a notes page in the dashboard does."""
    page.evaluate("([action, args]) => window.postMessage({labdeck: 1, action, args}, location.origin)",
                  [action, args])


def settled(page):
    """The editor after every action it was sent so far has run."""
    wait_until(lambda: page.locator("iframe[title=Editor]").element_handle().content_frame() is not None)
    frame = editor(page)
    frame.wait_for_function("() => window.labdeckEditor")
    # an action sent while the tab loaded is handed over at the frame's load event: wait until the
    # dashboard holds none back, and give the handed-over messages their turn before asking idle()
    page.wait_for_function("() => window.labdeckDashboard.delivered()")
    frame.evaluate("() => new Promise(done => setTimeout(done, 50)).then(() => window.labdeckEditor.idle())")
    return frame


def selected_text(frame) -> str:
    return frame.evaluate("() => { const s = labdeckEditor.view.state; const r = s.selection.main;"
                          " return s.sliceDoc(r.from, r.to); }")


def cursor_line(frame) -> int:
    return frame.evaluate("() => { const s = labdeckEditor.view.state;"
                          " return s.doc.lineAt(s.selection.main.head).number; }")


def test_open_from_the_tree_type_save_and_cat_in_the_terminal(dashboard, home):
    (home / "notes.txt").write_text("hello\n")
    (home / "src").mkdir()
    (home / "src" / "app.py").write_text("print('hi')\n")
    page = dashboard
    page.get_by_role("tab", name="Editor").click()
    frame = editor(page)
    frame.locator(".le-entry", has_text="src").click()
    frame.locator('.le-entry[data-path="src/app.py"]').click()
    expect(frame.locator(".cm-content")).to_contain_text("print('hi')")
    expect(frame.locator(".cm-line span")).not_to_have_count(0)  # highlighted: tokens are spans of their own
    frame.locator('.le-entry[data-path="notes.txt"]').click()
    tab = frame.locator('.le-tab[data-path="notes.txt"]')
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(tab).not_to_have_class("le-tab le-dirty")

    frame.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("typed in the editor")
    expect(tab).to_have_class("le-tab le-dirty")  # the dirty marker
    assert (home / "notes.txt").read_text() == "hello\n"  # nothing saved yet
    page.keyboard.press("Control+s")
    wait_until(lambda: (home / "notes.txt").read_text() == "hello\ntyped in the editor")
    expect(tab).to_have_class("le-tab")
    expect(frame.locator("#le-status")).to_have_text("Saved notes.txt")

    post(page, "terminal:execute", command="cat notes.txt; echo")
    terminal = page.locator("iframe.ld-terminal").element_handle().content_frame()
    terminal.wait_for_function(f"() => ({SCREEN})().includes('typed in the editor')")


def test_a_change_on_disk_prompts_to_reload(dashboard, home):
    (home / "config.yaml").write_text("replicas: 1\n")
    page = dashboard
    page.get_by_role("tab", name="Editor").click()
    frame = editor(page)
    frame.locator('.le-entry[data-path="config.yaml"]').click()
    expect(frame.locator(".cm-content")).to_have_text("replicas: 1")

    post(page, "terminal:execute", command="echo 'replicas: 3' > config.yaml")
    notice = frame.locator("#le-notice")
    expect(notice).to_contain_text("config.yaml changed on disk since you opened it", timeout=15_000)
    page.get_by_role("tab", name="Editor").click()
    notice.get_by_role("button", name="Reload from disk").click()
    expect(frame.locator(".cm-content")).to_have_text("replicas: 3")
    expect(notice).to_be_hidden()

    (home / "config.yaml").write_text("replicas: 5\n")  # changed again: keep the editor's text this time
    expect(notice).to_contain_text("changed on disk", timeout=15_000)
    notice.get_by_role("button", name="Keep mine").click()
    expect(frame.locator('.le-tab[data-path="config.yaml"]')).to_have_class("le-tab le-dirty")
    frame.locator(".cm-content").click()
    page.keyboard.press("Control+s")
    wait_until(lambda: (home / "config.yaml").read_text() == "replicas: 3\n")


def test_open_file_from_the_bus_opens_the_tab_and_shows_the_line(dashboard, home):
    (home / "long.txt").write_text("".join(f"line {number}\n" for number in range(1, 201)))
    page = dashboard
    post(page, "editor:open-file", file="~/long.txt", line=120)  # the Editor tab was never opened
    expect(page.get_by_role("tab", name="Editor")).to_have_attribute("aria-selected", "true")
    frame = settled(page)
    assert cursor_line(frame) == 120
    expect(frame.locator(".cm-activeLine")).to_have_text("line 120")
    expect(frame.locator(".cm-activeLine")).to_be_in_viewport()

    post(page, "editor:open-file", file=f"{home}/long.txt", line=20)
    frame = settled(page)
    assert cursor_line(frame) == 20
    post(page, "editor:open-file", file="~/missing.txt")
    frame = settled(page)
    expect(frame.locator("#le-status")).to_have_text("editor:open-file: 'missing.txt' does not exist")
    post(page, "editor:open-file", file="/etc/passwd")
    frame = settled(page)
    expect(frame.locator("#le-status")).to_contain_text("/etc/passwd is outside the editor's folder")


def test_select_and_replace_matching_text(dashboard, home):
    (home / "deploy.yaml").write_text("kind: Pod\nspec:\n  image: nginx:1.19\n  port: 80\n")
    page = dashboard
    post(page, "editor:select-matching-text", file="~/deploy.yaml", text="image: (.*)", isRegex=True, group=1)
    frame = settled(page)
    assert selected_text(frame) == "nginx:1.19"
    expect(frame.locator(".cm-selectionBackground").first).to_be_visible()  # highlighted
    post(page, "editor:replace-text-selection", file="~/deploy.yaml", text="nginx:latest")
    settled(page)
    assert (home / "deploy.yaml").read_text() == "kind: Pod\nspec:\n  image: nginx:latest\n  port: 80\n"

    post(page, "editor:select-matching-text", file="~/deploy.yaml", text="spec:", before=0, after=1)
    assert selected_text(settled(page)) == "spec:\n  image: nginx:latest"
    post(page, "editor:replace-matching-text", file="~/deploy.yaml", match="80", replacement="8080")
    settled(page)
    assert (home / "deploy.yaml").read_text() == "kind: Pod\nspec:\n  image: nginx:latest\n  port: 8080\n"
    post(page, "editor:select-matching-text", file="~/deploy.yaml", text="not there")
    expect(settled(page).locator("#le-status")).to_have_text(
        "editor:select-matching-text: 'not there' is not in deploy.yaml")


def test_line_actions_change_the_file_on_disk(dashboard, home):
    (home / "notes.txt").write_text("one\ntwo\nthree")  # no newline at the end
    page = dashboard
    post(page, "editor:append-lines-to-file", file="~/notes.txt", text="four\nfive\n")
    settled(page)
    assert (home / "notes.txt").read_text() == "one\ntwo\nthree\nfour\nfive\n"
    post(page, "editor:insert-lines-before-line", file="~/notes.txt", line=2, text="one and a half\n")
    post(page, "editor:append-lines-after-match", file="~/notes.txt", match="three", text="three and a half")
    post(page, "editor:delete-matching-lines", file="~/notes.txt", match="^f", isRegex=True, count=2)
    settled(page)
    assert (home / "notes.txt").read_text() == "one\none and a half\ntwo\nthree\nthree and a half\n"
    post(page, "editor:append-lines-to-file", file="~/new/created.txt", text="made by an action\n")
    settled(page)
    assert (home / "new" / "created.txt").read_text() == "made by an action\n"
    post(page, "editor:create-file", file="~/notes.txt", text="replaced\n")
    frame = settled(page)
    assert (home / "notes.txt").read_text() == "replaced\n"
    expect(frame.locator(".cm-content")).to_have_text("replaced")


def test_yaml_actions_keep_comments_and_stay_valid(dashboard, home):
    import yaml

    (home / "deployment.yaml").write_text(
        "# the app\napiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 1  # one for now\n"
        "  template:\n    spec:\n      containers:\n      - name: app\n        image: app:1\n")
    page = dashboard
    post(page, "editor:insert-value-into-yaml", file="~/deployment.yaml", path="spec.template.spec.containers",
         value=[{"name": "nginx", "image": "nginx:latest"}])
    post(page, "editor:set-yaml-value", file="~/deployment.yaml", path="spec.replicas", value=3)
    settled(page)
    text = (home / "deployment.yaml").read_text()
    assert text == ("# the app\napiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 3 # one for now\n"
                    "  template:\n    spec:\n      containers:\n      - name: app\n        image: app:1\n"
                    "      - name: nginx\n        image: nginx:latest\n")
    assert yaml.safe_load(text)["spec"]["template"]["spec"]["containers"][1] == {"name": "nginx",
                                                                                 "image": "nginx:latest"}
    (home / "broken.yaml").write_text("a: [\n")
    post(page, "editor:insert-value-into-yaml", file="~/broken.yaml", path="a", value=1)
    expect(settled(page).locator("#le-status")).to_contain_text("broken.yaml is not valid YAML")
    assert (home / "broken.yaml").read_text() == "a: [\n"


def test_download_and_copy_a_file(dashboard, home):
    (home / ".kube").mkdir()
    (home / ".kube" / "config").write_text("apiVersion: v1\n")
    page = dashboard
    with page.expect_download() as download:
        post(page, "files:download-file", path=".kube/config", download="kubeconfig-alice")
    assert download.value.suggested_filename == "kubeconfig-alice"
    assert Path(download.value.path()).read_text() == "apiVersion: v1\n"
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    post(page, "files:copy-file", path=".kube/config")
    settled(page)
    expect(page.locator("#ld-toast")).to_have_text("Copied to the clipboard")
    assert json.loads(json.dumps(page.evaluate("navigator.clipboard.readText()"))) == "apiVersion: v1\n"


def test_a_button_in_a_markdown_page_opens_a_file(dashboard, home):
    (home / "app.py").write_text("import os\n\nprint(os.getcwd())\n")
    page = dashboard
    notes = page.frame_locator("#ld-notes")  # the dashboard opens on the workshop's first page
    notes.locator("#open-app").click()
    expect(page.get_by_role("tab", name="Editor")).to_have_attribute("aria-selected", "true")
    frame = settled(page)
    assert cursor_line(frame) == 3
    expect(frame.locator(".cm-activeLine")).to_have_text("print(os.getcwd())")


def test_yaml_item_actions_and_select_path(dashboard, home):
    import yaml

    (home / "pod.yaml").write_text(
        "spec:\n  replicas: 1  # one for now\n  containers:\n  - name: app\n    image: app:1\n"
        "  - name: sidecar\n    image: busybox\n")
    page = dashboard
    post(page, "editor:yaml-insert-item", file="~/pod.yaml", path="spec.containers", index=0,
         value={"name": "init", "image": "alpine"})
    post(page, "editor:yaml-replace-item", file="~/pod.yaml", path="spec.containers[name=sidecar]",
         value={"name": "proxy", "image": "envoy"})
    settled(page)
    text = (home / "pod.yaml").read_text()
    assert [c["name"] for c in yaml.safe_load(text)["spec"]["containers"]] == ["init", "app", "proxy"]
    assert "replicas: 1 # one for now" in text  # the comment stays

    post(page, "editor:yaml-select-path", file="~/pod.yaml", path="spec.replicas")
    assert selected_text(settled(page)) == "replicas: 1"
    post(page, "editor:yaml-select-path", file="~/pod.yaml", path="spec.containers[name=app]")
    assert selected_text(settled(page)) == "name: app\n    image: app:1"
    post(page, "editor:yaml-replace-item", file="~/pod.yaml", path="spec.containers[7]", value={"name": "x"})
    expect(settled(page).locator("#le-status")).to_have_text(
        "editor:yaml-replace-item: spec.containers[7] is not in the file")
    post(page, "editor:execute-command", command="workbench.action.terminal.new")
    expect(settled(page).locator("#le-status")).to_contain_text(
        "'workbench.action.terminal.new' is a VS Code command; this editor is not VS Code")


HOMEROOM_PAGE = """# Edit the app

A homeroom workshop (workshop/modules.yaml, no Educates files): Educates' action fences work here too.

```editor:open-file
file: ~/app.py
line: 3
```

```editor:select-matching-text
file: ~/app.py
text: "<img src=x onerror=window.injected=1>"
```
"""


def test_action_fences_in_a_homeroom_workshop_open_the_file_and_report_on_the_block(open_dashboard, home):
    (home / "app.py").write_text("import os\n\nprint(os.getcwd())\n")
    workshop = home.parent / "workshop"
    (workshop / "workshop" / "content").mkdir(parents=True)
    (workshop / "workshop" / "modules.yaml").write_text("modules:\n  edit-the-app:\n    name: Edit the app\n")
    (workshop / "workshop" / "workshop.yaml").write_text("name: Homeroom\nmodules:\n  activate:\n  - edit-the-app\n")
    (workshop / "workshop" / "content" / "edit-the-app.md").write_text(HOMEROOM_PAGE)
    page, url = open_dashboard(workshop)
    notes = notes_page(page, f"{url}notes/edit-the-app")
    opening = notes.locator(".ld-action[data-action='editor:open-file']")
    opening.click()
    expect(page.get_by_role("tab", name="Editor")).to_have_attribute("aria-selected", "true")
    frame = settled(page)
    assert cursor_line(frame) == 3
    expect(frame.locator(".cm-activeLine")).to_have_text("print(os.getcwd())")
    expect(opening.locator(".ld-code-feedback")).to_have_text("Opened app.py")

    failing = notes.locator(".ld-action[data-action='editor:select-matching-text']")
    failing.click()
    failed = failing.locator(".ld-action-failed")
    # the page's own text comes back in the message: shown as text, never as markup
    expect(failed).to_have_text("editor:select-matching-text: '<img src=x onerror=window.injected=1>' is not in app.py")
    expect(failed.locator("img")).to_have_count(0)
    expect(opening.locator(".ld-action-failed")).to_have_count(0)  # only the clicked block says so
    (home / "app.py").write_text("print('<img src=x onerror=window.injected=1>')\n")
    failing.click()
    expect(failed).to_have_count(0)  # the next result replaces it
    expect(failing.locator(".ld-code-feedback")).to_have_text("Selected the text in app.py")
