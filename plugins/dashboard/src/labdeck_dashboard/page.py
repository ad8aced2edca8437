"""The dashboard page's HTML, made from its ``Layout`` with the standard library.

It was a Jinja template. Importing jinja2 and loading the template were 18 ms of a start whose
whole budget beyond a bare aiohttp app is 40 ms (docs/benchmarks.md, issue 18), and this page is
the one a start answers first; the page's logic is in layout.py, so what is left is markup.
Every value is escaped where it is written (``html.escape``, quotes included); the config is
JSON with ``<``, ``>``, ``&`` and ``'`` escaped, so it cannot end its ``<script>`` element.
"""

from __future__ import annotations

import json
from html import escape

from .layout import Layout


def config_json(config: dict) -> str:
    """JSON safe inside ``<script type="application/json">`` (as Jinja's ``tojson``)."""
    return (json.dumps(config, sort_keys=True).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("'", "\\u0027"))


def _terminal_panes(layout: Layout, indent: str) -> str:
    return "".join(
        f'{indent}<div class="ld-terminal-pane">\n'
        f'{indent}  <iframe class="ld-terminal" data-session="{escape(session)}" '
        f'src="{escape(layout.terminal_url or "")}session/{escape(session)}"\n'
        f'{indent}          title="Terminal {escape(session)}" allow="clipboard-read; clipboard-write"></iframe>\n'
        f'{indent}</div>\n'
        for session in layout.sessions)


def _header(layout: Layout) -> str:
    tabs = []
    if layout.sessions and not layout.terminals_below:
        tabs.append('<button type="button" class="ld-tab" role="tab" data-tab="Terminal" aria-selected="false">'
                    'Terminal</button>')
    tabs += [f'<button type="button" class="ld-tab" role="tab" data-tab="{escape(tab.name)}" '
             f'title="{escape(tab.title or tab.name)}"\n            aria-selected="false">{escape(tab.name)}</button>'
             for tab in layout.tabs]
    switch = ""
    if layout.notes_url and layout.has_work_area:  # narrow windows show the notes or the work area
        switch = ('  <button type="button" class="ld-switch" id="ld-switch" aria-controls="ld-notes-pane ld-work"\n'
                  '          data-notes="Show notes" data-work="Show work area">Show work area</button>\n')
    items = []
    if layout.sessions:
        items.append('<button type="button" role="menuitem" data-menu="new-terminal">New terminal '
                     '(in a new browser tab)</button>')
    if layout.has_work_area:
        items.append('<button type="button" role="menuitem" data-menu="reload">Reload the current tab</button>')
    items.append('<div class="ld-menu-heading" role="presentation">Open in a new browser tab</div>')
    if layout.notes_url:
        items.append(f'<a role="menuitem" href="{escape(layout.notes_url)}" target="_blank" rel="noopener">'
                     'Workshop notes</a>')
    if layout.sessions:
        items.append(f'<a role="menuitem" href="{escape(layout.terminal_url or "")}session/1" target="_blank" '
                     'rel="noopener">Terminal 1</a>')
    items += [f'<a role="menuitem" href="{escape(tab.url)}" target="_blank" rel="noopener">{escape(tab.name)}</a>'
              for tab in layout.tabs]
    if layout.restart_url:
        items += ["<hr>", '<button type="button" role="menuitem" data-menu="restart">Restart the workshop&hellip;'
                  "</button>"]
    return (
        '<header class="ld-header">\n'
        '  <span class="ld-title" id="ld-title">Workshop</span>\n'
        '  <nav class="ld-tabs" role="tablist" aria-label="Work area">\n'
        + "".join(f"    {tab}\n" for tab in tabs)
        + "  </nav>\n"
        + switch
        + '  <div class="ld-menu">\n'
        '    <button type="button" class="ld-menu-button" id="ld-menu-button" aria-haspopup="menu" '
        'aria-expanded="false"\n            aria-controls="ld-menu">Menu &#9662;</button>\n'
        '    <div class="ld-menu-items" id="ld-menu" role="menu" hidden>\n'
        + "".join(f"      {item}\n" for item in items)
        + "    </div>\n  </div>\n</header>\n")


def _work_area(layout: Layout) -> str:
    below = layout.terminals_below
    parts = [f'  <section class="ld-pane ld-work{" ld-work-below" if below else ""}" id="ld-work"\n'
             '           aria-label="Work area">\n']
    if below:
        parts.append('    <div class="ld-upper" id="ld-upper">\n')
    elif layout.sessions:
        parts.append('    <div class="ld-panel ld-terminals" role="tabpanel" data-tab="Terminal" hidden>\n'
                     + _terminal_panes(layout, "      ") + "    </div>\n")
    parts += [f'    <div class="ld-panel" role="tabpanel" data-tab="{escape(tab.name)}" hidden>\n'
              f'      <iframe data-src="{escape(tab.url)}" title="{escape(tab.title or tab.name)}" '
              'allow="clipboard-read; clipboard-write"></iframe>\n'
              "    </div>\n" for tab in layout.tabs]
    if below:
        parts.append('    </div>\n    <div class="ld-lower" id="ld-lower">\n'
                     '      <div class="ld-terminals" role="region" aria-label="Terminal">\n'
                     + _terminal_panes(layout, "        ") + "      </div>\n    </div>\n")
    parts.append("  </section>\n")
    return "".join(parts)


def render_page(layout: Layout, *, static: str, labdeck_js: str, version: str) -> str:
    """The whole page: its header (tabs, menu), the notes pane and the work area."""
    main = []
    if layout.notes_url:
        main.append('  <section class="ld-pane ld-notes-pane" id="ld-notes-pane" aria-label="Workshop notes">\n'
                    f'    <iframe class="ld-notes" id="ld-notes" name="labdeck-notes" src="{escape(layout.notes_url)}" '
                    'title="Workshop notes"\n            allow="clipboard-read; clipboard-write"></iframe>\n'
                    "  </section>\n")
    if layout.has_work_area:
        main.append(_work_area(layout))
    if not layout.notes_url and not layout.has_work_area:
        main.append('  <p class="ld-empty">Nothing to show yet: install labdeck-notes or labdeck-terminal, or '
                    "configure a tab\n    (LABDECK_DASHBOARD_TABS).</p>\n")
    static, version = escape(static), escape(version)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<title>Workshop</title>\n<link rel="icon" href="data:,">\n'
        f'<link rel="stylesheet" href="{static}dashboard.css?v={version}">\n'
        '<script id="labdeck-dashboard-config" type="application/json">'
        f"{config_json(layout.client_config())}</script>\n"
        f'<script src="{escape(labdeck_js)}" defer></script>\n'
        f'<script src="{static}vendor/split.js/split.min.js?v={version}" defer></script>\n'
        f'<script src="{static}dashboard.js?v={version}" defer></script>\n'
        "</head>\n<body>\n"
        + _header(layout)
        + '<main class="ld-main" id="ld-main">\n' + "".join(main) + "</main>\n"
        '<div class="ld-toast" id="ld-toast" role="status" aria-live="polite" hidden></div>\n'
        "</body>\n</html>\n")
