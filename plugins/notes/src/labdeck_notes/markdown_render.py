"""Markdown -> HTML with the GitHub-flavoured features workshop authors use.

Python-Markdown plus pymdown-extensions: fenced code (superfences, which also hosts
the execute/copy annotations), tables, ``~~strikethrough~~``, task lists, bare-URL
autolinks, heading anchors, ``{: attribute lists}`` and Pygments highlighting.
The GitHub-flavoured cases where Python-Markdown and marked (the original renderer)
disagree are read as marked did (gfm.py). Raw HTML passes through untouched: workshop pages are trusted author content.
Code blocks get the variables' values as written (``literal_code``) before they are
escaped and highlighted; see escaping.py.
"""

from __future__ import annotations

import re
import threading
from functools import partial
from typing import Any

import markdown
from pymdownx.superfences import SuperFencesCodeExtension

from . import actions
from .codeblocks import ANNOTATIONS, code_block_html
from .escaping import literal_code
from .gfm import GfmExtension
from .killercoda_markers import active as killercoda_markers


def _fence(name: str, source: str, language: str, class_name: str, options: Any, md: Any, **kwargs: Any) -> str:
    return code_block_html(name, literal_code(source))


def _action_fence(action: str, source: str, *args: Any, **kwargs: Any) -> str:
    if action == actions.UNKNOWN_FENCE:
        return actions.unknown_html(source)
    return actions.action_html(action, source, literal_code)


EXTENSIONS = [
    "pymdownx.superfences", "pymdownx.highlight", "pymdownx.tilde", "pymdownx.tasklist",
    "pymdownx.magiclink", "tables", "toc", "attr_list", "sane_lists", "md_in_html", GfmExtension(),
    "labdeck_notes.killercoda_markers",  # only on a Killercoda scenario's pages (dialect "killercoda")
]
EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    "pymdownx.superfences": {
        "custom_fences": [
            {"name": name, "class": "ld-code", "format": partial(_fence, name)} for name in ANNOTATIONS
        ] + [  # Educates-style actions with a YAML body (actions.py)
            {"name": fence, "class": "ld-action", "format": partial(_action_fence, action)}
            for fence, action in [*actions.FENCE_NAMES.items(), (actions.UNKNOWN_FENCE, actions.UNKNOWN_FENCE)]
        ],
    },
    "pymdownx.highlight": {"use_pygments": True, "css_class": "highlight", "guess_lang": False},
    "pymdownx.tasklist": {"custom_checkbox": False},
    "pymdownx.magiclink": {"hide_protocol": False},
    "toc": {"permalink": "#", "permalink_title": "Link to this section"},
}

_local = threading.local()


def _converter() -> markdown.Markdown:
    # A Markdown instance keeps state between calls; one per thread, reset each time.
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
        for extension in md.registeredExtensions:  # plain fenced blocks: the values as written, then Pygments
            if isinstance(extension, SuperFencesCodeExtension):
                default = extension.superfences[0]
                default["formatter"] = partial(_literal_highlight, default["formatter"])
    return md


def _literal_highlight(highlight: Any, src: str = "", *args: Any, **kwargs: Any) -> str:
    return highlight(literal_code(src), *args, **kwargs)


#: a task list's box as pymdownx.tasklist writes it: it gets a name, for screen readers
TASK_BOX = re.compile(r'<input type="checkbox" disabled( checked)?/>')


def _named_task_box(match: re.Match[str]) -> str:
    state = "done" if match[1] else "not done"
    return f'<input type="checkbox" disabled{match[1] or ""} aria-label="{state}"/>'


def render_markdown(text: str, dialect: str | None = None) -> str:
    """``dialect``: the page's (workshop.Page.dialect), e.g. "killercoda" for a scenario's markers."""
    md = _converter()
    try:
        with killercoda_markers(dialect == "killercoda"):
            return TASK_BOX.sub(_named_task_box, md.reset().convert(actions.rewrite_fences(text)))
    finally:
        md.reset()
