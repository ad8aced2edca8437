"""The editor's one HTML page; static/editor.js builds everything in it from the JSON config."""

from __future__ import annotations

import hashlib
import json
from html import escape
from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).parent / "static"


def _asset_version() -> str:
    """A digest of the static files, so a browser never runs a stale script against a newer page."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


VERSION = _asset_version()

TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Editor</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{static}editor.css?v={version}">
<script id="labdeck-editor-config" type="application/json">{config}</script>
<script src="{labdeck_js}" defer></script>
<script src="{static}vendor/codemirror.js?v={version}" defer></script>
<script src="{static}actions.js?v={version}" defer></script>
<script src="{static}editor.js?v={version}" defer></script>
</head>
<body>
<nav class="le-tree" id="le-tree" aria-label="Files">
  <div class="le-tree-head"><span class="le-root" id="le-root"></span>
    <button type="button" id="le-new-file" title="New file">+</button>
    <button type="button" id="le-refresh" title="Refresh the file list">&#8635;</button></div>
  <ul class="le-entries" id="le-entries" role="tree"></ul>
</nav>
<main class="le-main">
  <div class="le-tabs" id="le-tabs" role="tablist" aria-label="Open files"></div>
  <div class="le-notice" id="le-notice" role="alert" hidden></div>
  <div class="le-editor" id="le-editor"><p class="le-empty" id="le-empty">Open a file from the list.</p></div>
  <div class="le-status" id="le-status" role="status" aria-live="polite"></div>
</main>
</body>
</html>
"""


def editor_page(config: dict) -> web.Response:
    static = config["static"]
    text = TEMPLATE.format(
        static=escape(static),
        version=VERSION,
        labdeck_js=escape(config["labdeckJs"]),
        # inside <script>: no "</script>" can end it early
        config=json.dumps(config).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"),
    )
    return web.Response(text=text, content_type="text/html", headers={"Cache-Control": "no-store"})
