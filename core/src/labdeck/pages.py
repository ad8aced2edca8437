"""Small readable HTML pages core answers with (sign-in, 403, 502, 504)."""

from __future__ import annotations

import html

from aiohttp import web

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}"
    "h1{font-size:1.4em}.error{color:#b00020}code{background:#eee;padding:0 .2em}"
)


def page(title: str, body_html: str, *, status: int = 200, head: str = "") -> web.Response:
    """A complete page around ``body_html`` (already escaped by the caller)."""
    text = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} · labdeck</title>'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{_STYLE}</style>{head}</head>'
        f"<body>{body_html}</body></html>"
    )
    return web.Response(text=text, status=status, content_type="text/html")


def upstream_unavailable(what: str, status: int, detail: str) -> web.Response:
    """502/504: says what is missing and retries by itself, so a restarting program comes back."""
    script = "<script>setTimeout(function(){location.reload()},3000)</script>"
    body = (
        f"<h1>{html.escape(what)} is not answering</h1><p>{html.escape(detail)}</p>"
        "<p>This page tries again every few seconds.</p>"
    )
    return page(f"{status} {what}", body + script, status=status)


def forbidden(name: str, prefix: str) -> web.Response:
    body = (
        f"<h1>No access</h1><p>You are signed in as <strong>{html.escape(name)}</strong>, "
        "who may not use this workshop environment.</p>"
        f'<p><a href="{html.escape(prefix)}-/logout">Sign out</a> and sign in as someone else.</p>'
    )
    return page("403 No access", body, status=403)
