"""The file API as the editor page uses it: list, read, write, create, rename, delete, download."""

from __future__ import annotations

import pytest

import labdeck_editor
from labdeck_testing import labdeck_login, make_deck

PREFIX = "/user/alice/"
API = PREFIX + "editor/api/"


@pytest.fixture
async def client(labdeck_client, tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("print('hi')\n")
    (tmp_path / "run.sh").write_text("#!/bin/sh\necho run\n")
    (tmp_path / "run.sh").chmod(0o755)
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    client = await labdeck_client({"editor": labdeck_editor}, prefix=PREFIX, editor_root=tmp_path)
    await labdeck_login(client)
    return client


async def test_list_shows_folders_first(client):
    data = await (await client.get(API + "list")).json()
    assert data["path"] == ""
    assert [(entry["name"], entry["type"]) for entry in data["entries"]] == [
        ("app", "dir"), ("logo.png", "file"), ("run.sh", "file")]
    sub = await (await client.get(API + "list", params={"path": "app"})).json()
    assert [entry["name"] for entry in sub["entries"]] == ["main.py"]


async def test_read_write_keeps_the_mode_and_detects_changes_on_disk(client, tmp_path):
    data = await (await client.get(API + "file", params={"path": "run.sh"})).json()
    assert (data["text"], data["binary"], data["writable"]) == ("#!/bin/sh\necho run\n", False, True)
    saved = await client.put(API + "file", params={"path": "run.sh"},
                             json={"text": "#!/bin/sh\necho edited\n", "version": data["version"]})
    assert saved.status == 200
    assert (tmp_path / "run.sh").read_text() == "#!/bin/sh\necho edited\n"
    assert (tmp_path / "run.sh").stat().st_mode & 0o777 == 0o755
    stale = await client.put(API + "file", params={"path": "run.sh"},
                             json={"text": "lost", "version": data["version"]})
    assert stale.status == 409
    assert "changed on disk" in (await stale.json())["error"]
    assert (tmp_path / "run.sh").read_text() == "#!/bin/sh\necho edited\n"
    stat = await (await client.get(API + "stat", params={"path": "run.sh"})).json()
    assert stat == {"path": "run.sh", "exists": True, "version": (await saved.json())["version"]}


async def test_binary_files_are_read_only(client, tmp_path):
    data = await (await client.get(API + "file", params={"path": "logo.png"})).json()
    assert (data["binary"], data["text"]) == (True, None)
    refused = await client.put(API + "file", params={"path": "logo.png"}, json={"text": "text now"})
    assert refused.status == 400
    assert "binary" in (await refused.json())["error"]
    assert (tmp_path / "logo.png").read_bytes().startswith(b"\x89PNG")


async def test_create_rename_delete(client, tmp_path):
    created = await client.post(API + "file", params={"path": "new/deep/file.yaml"}, json={"text": "a: 1\n"})
    assert created.status == 200
    assert (tmp_path / "new" / "deep" / "file.yaml").read_text() == "a: 1\n"
    again = await client.post(API + "file", params={"path": "new/deep/file.yaml"}, json={"text": ""})
    assert again.status == 409
    assert (await client.post(API + "file", params={"path": "empty"}, json={"folder": True})).status == 200
    assert (tmp_path / "empty").is_dir()
    moved = await client.post(API + "rename", json={"from": "new/deep/file.yaml", "to": "moved.yaml"})
    assert (moved.status, (await moved.json())["path"]) == (200, "moved.yaml")
    assert (tmp_path / "moved.yaml").read_text() == "a: 1\n"
    assert (await client.post(API + "rename", json={"from": "run.sh", "to": "moved.yaml"})).status == 409
    assert (await client.delete(API + "file", params={"path": "new"})).status == 200
    assert not (tmp_path / "new").exists()
    assert (await client.delete(API + "file", params={"path": ""})).status == 400
    assert (await client.get(API + "file", params={"path": "nothing.txt"})).status == 404


async def test_download_is_an_attachment_named_as_asked(client):
    response = await client.get(API + "download", params={"path": "app/main.py", "name": "../kube\"config"})
    assert response.status == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename=".._kube_config"'
    assert await response.read() == b"print('hi')\n"


async def test_the_page_and_the_tab(client, tmp_path):
    page = await client.get(PREFIX + "editor/")
    html = await page.text()
    assert page.status == 200
    assert f'"root": "{tmp_path.resolve()}"' in html
    assert "/user/alice/editor/static/vendor/codemirror.js?v=" in html
    assert (await client.get(PREFIX + "editor/static/vendor/codemirror.js")).status == 200


def test_the_dashboard_tab_takes_the_editor_and_files_actions(tmp_path):
    from labdeck_dashboard import layout

    deck = make_deck({"editor": labdeck_editor, "dashboard": __import__("labdeck_dashboard")}, editor_root=tmp_path)
    [tab] = layout.plugin_tabs(deck)
    assert (tab.name, tab.url, tab.actions) == ("Editor", "/editor/", ("editor:", "files:"))
    assert layout.build_layout(deck).client_config()["tabs"][0]["actions"] == ["editor:", "files:"]
