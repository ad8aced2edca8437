"""The editor's sub-app: its page, its static files and the file API under ``<prefix>editor/api/``.

| method and path | does |
| --- | --- |
| GET ``api/list?path=`` | a folder's entries |
| GET ``api/file?path=`` | a file's text and version (binary: no text) |
| GET ``api/stat?path=`` | a file's version, to notice changes on disk |
| GET ``api/download?path=&name=`` | the file's bytes as an attachment |
| PUT ``api/file?path=`` | write ``{"text", "version"?}`` (409 when changed on disk since ``version``) |
| POST ``api/file?path=`` | create ``{"text"}`` (409 when it exists), or a folder ``{"folder": true}`` |
| POST ``api/rename`` | ``{"from", "to"}`` |
| DELETE ``api/file?path=`` | a file, or a folder with what it holds |

Core signs people in and refuses non-GET requests from other sites before these run. Errors are
JSON ``{"error": message}`` with a 4xx status. File work runs in a worker thread of the app's own.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web

from . import files
from .files import FileError, Root
from .page import STATIC, editor_page

ROOT = web.AppKey("root", Root)
POOL = web.AppKey("pool", ThreadPoolExecutor)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _run(request: web.Request, work: Callable[..., dict], *args: Any, **kwargs: Any) -> web.Response:
    loop = asyncio.get_running_loop()
    try:
        result = await loop.run_in_executor(request.app[POOL], lambda: work(request.app[ROOT], *args, **kwargs))
    except FileError as error:
        return _error(error.status, error.message)
    except PermissionError:
        return _error(403, "permission denied")
    except OSError as error:
        return _error(409, error.strerror or str(error))
    return web.json_response(result)


def _path(request: web.Request) -> str:
    return request.query.get("path", "")


async def _body(request: web.Request) -> dict:
    """The JSON body, read no further than the size limit allows (plus room for the JSON around it)."""
    limit = request.app[ROOT].max_size * 6 + 4096  # \\uXXXX escapes make JSON text up to 6 times longer
    data = await request.content.read(limit + 1)
    if len(data) > limit:
        raise request.app[ROOT].too_big("the request", len(data))
    try:
        body = json.loads(data or b"{}")
    except ValueError:
        raise FileError(400, "the request body is not JSON") from None
    if not isinstance(body, dict):
        raise FileError(400, "the request body is not a JSON object")
    return body


def _text(body: dict) -> str:
    text = body.get("text", "")
    if not isinstance(text, str):
        raise FileError(400, "'text' must be a string")
    return text


async def list_folder(request: web.Request) -> web.Response:
    return await _run(request, files.listing, _path(request))


async def read_file(request: web.Request) -> web.Response:
    return await _run(request, files.read, _path(request))


async def stat_file(request: web.Request) -> web.Response:
    return await _run(request, files.stat_file, _path(request))


async def download(request: web.Request) -> web.StreamResponse:
    root = request.app[ROOT]
    try:
        path = root.resolve(_path(request))
        if not path.is_file():
            raise FileError(400, f"{_path(request)!r} is not a file")
    except FileError as error:
        return _error(error.status, error.message)
    name = request.query.get("name") or path.name
    name = name.replace("/", "_").replace("\\", "_").replace('"', "_")
    return web.FileResponse(path, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                           "Content-Type": "application/octet-stream"})


async def write_file(request: web.Request) -> web.Response:
    try:
        body = await _body(request)
        text, version = _text(body), body.get("version")
    except FileError as error:
        return _error(error.status, error.message)
    return await _run(request, files.write, _path(request), text,
                      expected=version if isinstance(version, str) else None)


async def create(request: web.Request) -> web.Response:
    try:
        body = await _body(request)
        if body.get("folder"):
            return await _run(request, files.make_folder, _path(request))
        text = _text(body)
    except FileError as error:
        return _error(error.status, error.message)
    return await _run(request, files.write, _path(request), text, create=True)


async def rename(request: web.Request) -> web.Response:
    try:
        body = await _body(request)
    except FileError as error:
        return _error(error.status, error.message)
    source, target = body.get("from"), body.get("to")
    if not isinstance(source, str) or not isinstance(target, str):
        return _error(400, "'from' and 'to' must be paths")
    return await _run(request, files.rename, source, target)


async def delete(request: web.Request) -> web.Response:
    return await _run(request, files.delete, _path(request))


def make_app(root: Root, page_config: Callable[[], dict]) -> web.Application:
    """The sub-app; ``page_config()`` is what the page's script is told (URLs, the root)."""

    async def worker(app: web.Application) -> AsyncIterator[None]:
        app[POOL] = ThreadPoolExecutor(max_workers=2, thread_name_prefix="labdeck-editor")
        yield
        app[POOL].shutdown(wait=False, cancel_futures=True)

    async def page(request: web.Request) -> web.Response:
        return editor_page(page_config())

    app = web.Application()
    app[ROOT] = root
    app.cleanup_ctx.append(worker)
    app.router.add_get("/", page)
    app.router.add_static("/static", STATIC)
    app.router.add_get("/api/list", list_folder)
    app.router.add_get("/api/file", read_file)
    app.router.add_get("/api/stat", stat_file)
    app.router.add_get("/api/download", download)
    app.router.add_put("/api/file", write_file)
    app.router.add_post("/api/file", create)
    app.router.add_post("/api/rename", rename)
    app.router.add_delete("/api/file", delete)
    return app
