"""The file API's confinement, one test per attack: every route, driven through core's real app
(sign-in and the Origin check in front), with a secret file beside the editor's folder that must
never be read, written or deleted."""

from __future__ import annotations

import pytest

import labdeck_editor
from labdeck_testing import labdeck_login

PREFIX = "/user/alice/"
API = PREFIX + "editor/api/"
SECRET = "the neighbour's secret"


@pytest.fixture
def folders(tmp_path):
    root, outside = tmp_path / "home", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    (root / "notes.txt").write_text("hello\n")
    (root / "sub").mkdir()
    return root, outside


@pytest.fixture
async def client(labdeck_client, folders):
    client = await labdeck_client({"editor": labdeck_editor}, prefix=PREFIX, editor_root=folders[0],
                                  editor_max_size=1000)
    await labdeck_login(client)
    return client


def untouched(folders):
    root, outside = folders
    assert (outside / "secret.txt").read_text() == SECRET
    assert sorted(path.name for path in outside.iterdir()) == ["secret.txt"]
    assert (root / "notes.txt").read_text() == "hello\n"


async def every_route(client, path):
    """The answers of every route for ``path``: each must refuse it."""
    return [
        await client.get(API + "list", params={"path": path}),
        await client.get(API + "file", params={"path": path}),
        await client.get(API + "stat", params={"path": path}),
        await client.get(API + "download", params={"path": path}),
        await client.put(API + "file", params={"path": path}, json={"text": "pwned"}),
        await client.post(API + "file", params={"path": path}, json={"text": "pwned"}),
        await client.post(API + "file", params={"path": path}, json={"folder": True}),
        await client.post(API + "rename", json={"from": path, "to": "stolen.txt"}),
        await client.post(API + "rename", json={"from": "notes.txt", "to": path}),
        await client.delete(API + "file", params={"path": path}),
    ]


async def assert_refused(client, folders, path):
    for response in await every_route(client, path):
        assert 400 <= response.status < 500, (response.method, response.url, response.status)
        assert SECRET not in await response.text()
    untouched(folders)


@pytest.mark.parametrize("path", ["../outside/secret.txt", "sub/../../outside/secret.txt", "..", "sub/../.."])
async def test_path_traversal_is_refused(client, folders, path):
    await assert_refused(client, folders, path)


async def test_encoded_path_traversal_is_refused(client, folders):
    for path in ["..%2Foutside%2Fsecret.txt", "%2E%2E/outside/secret.txt", "..%252Foutside%252Fsecret.txt"]:
        response = await client.get(API + "file?path=" + path)
        assert 400 <= response.status < 500, path
        assert SECRET not in await response.text()
    await assert_refused(client, folders, "..\\outside\\secret.txt")


async def test_absolute_paths_are_refused(client, folders):
    root, outside = folders
    await assert_refused(client, folders, str(outside / "secret.txt"))
    await assert_refused(client, folders, str(root / "notes.txt"))  # even inside: the API takes relative paths


async def test_nul_bytes_are_refused(client, folders):
    await assert_refused(client, folders, "notes.txt\x00.png")


async def test_symlink_escape_is_refused(client, folders):
    root, outside = folders
    (root / "link-file").symlink_to(outside / "secret.txt")
    (root / "link-dir").symlink_to(outside)
    await assert_refused(client, folders, "link-file")
    await assert_refused(client, folders, "link-dir/secret.txt")
    await assert_refused(client, folders, "link-dir/new.txt")
    response = await client.get(API + "list", params={"path": "link-dir"})
    assert response.status == 403
    assert (root / "link-file").is_symlink()  # not removed either


async def test_symlink_escape_through_a_folder_link_cannot_delete_outside(client, folders):
    """A link inside an escaping folder that points back in resolves inside, but removing it would
    remove a file outside: refused."""
    root, outside = folders
    (outside / "back").symlink_to(root / "notes.txt")
    (root / "out").symlink_to(outside)
    assert (await client.delete(API + "file", params={"path": "out/back"})).status == 403
    assert (outside / "back").is_symlink()


async def test_oversize_write_is_refused_with_a_clear_error(client, folders):
    root, _ = folders
    response = await client.put(API + "file", params={"path": "big.txt"}, json={"text": "x" * 1001})
    assert response.status == 413
    assert "big.txt is 1001 bytes; the editor handles files up to 1000 bytes" in (await response.json())["error"]
    assert not (root / "big.txt").exists()
    huge = await client.put(API + "file", params={"path": "big.txt"}, data=b'{"text": "' + b"x" * 100_000 + b'"}')
    assert huge.status == 413
    assert not (root / "big.txt").exists()


async def test_oversize_read_is_refused_with_a_clear_error(client, folders):
    root, _ = folders
    (root / "huge.log").write_text("y" * 5000)
    response = await client.get(API + "file", params={"path": "huge.log"})
    assert response.status == 413
    assert (await response.json())["error"] == "huge.log is 4.9 KB; the editor handles files up to 1000 bytes"


async def test_cross_site_write_is_refused(client, folders):
    root, _ = folders
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        put = await client.put(API + "file", params={"path": "notes.txt"}, json={"text": "pwned"}, headers=headers)
        delete = await client.delete(API + "file", params={"path": "notes.txt"}, headers=headers)
        rename = await client.post(API + "rename", json={"from": "notes.txt", "to": "x.txt"}, headers=headers)
        assert (put.status, delete.status, rename.status) == (403, 403, 403)
    untouched(folders)
    same_site = await client.put(API + "file", params={"path": "notes.txt"}, json={"text": "mine\n"},
                                 headers={"Origin": str(client.make_url("")).rstrip("/")})
    assert same_site.status == 200
    assert (root / "notes.txt").read_text() == "mine\n"


async def test_the_file_api_is_behind_sign_in(labdeck_client, folders):
    client = await labdeck_client({"editor": labdeck_editor}, prefix=PREFIX, editor_root=folders[0])
    assert (await client.get(API + "file", params={"path": "notes.txt"})).status == 401
    assert (await client.put(API + "file", params={"path": "notes.txt"}, json={"text": "x"})).status == 401
    untouched(folders)
