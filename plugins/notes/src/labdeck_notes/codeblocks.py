"""Clickable code blocks: the workshop annotations and the HTML the page script acts on.

The page script (static/notes.js) reads ``data-action`` and ``data-session`` and posts
``{"labdeck": 1, "action": ..., "args": {"session": ..., "command": ...}}`` to the
dashboard; Markdown and AsciiDoc pages produce the same markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Annotation:
    action: str
    session: str | None
    label: str
    css: str


ANNOTATIONS: dict[str, Annotation] = {
    "execute": Annotation("terminal:execute", "1", "Run in the terminal", "ld-execute"),
    "execute-1": Annotation("terminal:execute", "1", "Run in terminal 1", "ld-execute"),
    "execute-2": Annotation("terminal:execute", "2", "Run in terminal 2", "ld-execute"),
    "execute-3": Annotation("terminal:execute", "3", "Run in terminal 3", "ld-execute"),
    "execute-all": Annotation("terminal:execute-all", None, "Run in every terminal", "ld-execute"),
    "copy": Annotation("workshop:copy", None, "Copy", "ld-copy"),
    # the original images' other name for copy (Markdown fence and AsciiDoc role alike)
    "copypaste": Annotation("workshop:copy", None, "Copy", "ld-copy ld-copypaste"),
    # copied, as the original did and the workshops' own pages say; marked as text to change
    # before use (docs/notes.md, "Clickable blocks and icons": why not pasted into a terminal)
    "copy-and-edit": Annotation("workshop:copy", None, "Copy, then change it before use",
                                "ld-copy ld-copy-and-edit"),
}

INTERRUPTS = ("<ctrl-c>", "<ctrl+c>")


def code_block_html(annotation_name: str, code: str) -> str:
    """The markup for an annotated block; ``code`` is the block's plain text."""
    annotation = ANNOTATIONS[annotation_name]
    code = code.rstrip("\n")
    action, label = annotation.action, annotation.label
    if annotation.action.startswith("terminal:") and code.strip().lower() in INTERRUPTS:
        # without a session (execute-all) the interrupt goes to every terminal
        action, label = "terminal:interrupt", "Interrupt the running command (Ctrl-C)"
    attributes = f'data-action="{action}"'
    if annotation.session is not None:
        attributes += f' data-session="{annotation.session}"'
    hint = label + (" (shift-click copies)" if action.startswith("terminal:") else "")
    return (
        f'<div class="ld-code {annotation.css}" {attributes} role="button" tabindex="0" '
        f'title="{escape(hint)}">'
        f'<pre><code>{escape(code, quote=False)}</code></pre>'
        '<span class="ld-code-icon" aria-hidden="true"></span>'
        '<span class="ld-code-feedback" role="status" aria-live="polite"></span></div>\n'
    )
