"""Clickable actions written as fenced blocks with a YAML body (Educates' syntax, usable on any
Markdown page): ```` ```terminal:execute ```` + ``command: ls``.

Each block becomes one clickable element carrying ``data-action`` and ``data-args`` (JSON);
static/notes-actions.js posts ``{"labdeck": 1, "action": ..., "args": ...}`` on the action bus.
``section:begin``/``section:end`` become a collapsed ``<details>``; ``examiner:execute-test``
becomes a check block (check_blocks.py). Actions another plugin carries out (``editor:*``,
``files:*``) are posted the same way, and say which plugin they
need when the dashboard has no tab for them. docs/actions.md lists every action and field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import escape
from typing import Any

from .frontmatter import load_yaml

#: fields every YAML-bodied action accepts (Educates' common fields)
COMMON = ("prefix", "title", "description", "autostart", "hidden", "cascade", "cooldown", "event")


@dataclass(frozen=True)
class Spec:
    prefix: str  #: the banner's default prefix
    title: str  #: the banner's default title; ``{session}`` and ``{name}`` are filled in
    shown: str | None = None  #: the field shown as the block's body
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    #: the plugin that carries the action out, for actions the dashboard relays to a tab
    needs: str | None = None
    css: str = "ld-execute"

    @property
    def fields(self) -> tuple[str, ...]:
        return (*self.required, *self.optional, *COMMON)


_T = "Terminal"
_D = "Dashboard"
ACTIONS: dict[str, Spec] = {
    "terminal:execute": Spec(_T, "Execute command in terminal {session}", "command", ("command",),
                             ("session", "clear")),
    "terminal:execute-all": Spec(_T, "Execute command in all terminals", "command", ("command",), ("clear",)),
    "terminal:interrupt": Spec(_T, "Interrupt command in terminal {session}", None, (), ("session",)),
    "terminal:interrupt-all": Spec(_T, "Interrupt commands in all terminals"),
    "terminal:input": Spec(_T, "Input text into terminal {session}", "text", ("text",), ("session", "endl")),
    "terminal:clear": Spec(_T, "Clear terminal {session}", None, (), ("session",)),
    "terminal:clear-all": Spec(_T, "Clear all terminals"),
    "terminal:select": Spec(_T, "Select terminal {session}", None, (), ("session",)),
    "workshop:copy": Spec("Workshop", "Copy text to the clipboard", "text", ("text",), css="ld-copy"),
    "workshop:copy-and-edit": Spec("Workshop", "Paste into terminal {session} to edit", "text", ("text",),
                                   ("session",), css="ld-copy ld-copy-and-edit"),
    "dashboard:open-url": Spec(_D, "Open URL", "url", ("url",), ("name",), css="ld-open"),
    "dashboard:open-dashboard": Spec(_D, "Open tab \"{name}\"", None, ("name",), css="ld-open"),
    "dashboard:create-dashboard": Spec(_D, "Create tab \"{name}\"", "url", ("name", "url"), ("focus",), css="ld-open"),
    "dashboard:reload-dashboard": Spec(_D, "Reload tab \"{name}\"", "url", ("name",), ("url", "focus"), css="ld-open"),
    "dashboard:delete-dashboard": Spec(_D, "Delete tab \"{name}\"", None, ("name",), css="ld-open"),
    "section:begin": Spec("Section", "", None, (), ("name", "open")),
    "section:end": Spec("Section", "", None, (), ("name", "toggle")),
    "section:heading": Spec("Section", "", None, ()),
    "examiner:execute-test": Spec("Examiner", "Run test \"{name}\"", None, ("name",),
                                  ("args", "timeout", "retries", "delay", "inputs"), css="ld-check"),
    "files:download-file": Spec("Files", "Download file", "path", (), ("path", "url", "download", "preview"),
                                "files", "ld-open"),
    "files:copy-file": Spec("Files", "Copy file to the clipboard", "path", (), ("path", "url", "preview"),
                            "files", "ld-copy"),
    "files:upload-file": Spec("Files", "Upload file", "path", ("path",), (), "files", "ld-open"),
    "files:upload-files": Spec("Files", "Upload files", None, (), (), "files", "ld-open"),
}

#: Educates' editor actions: the editor plugin reads their fields (they are many, and its own)
EDITOR_VERBS = (
    "open-file", "create-file", "delete-file", "rename-file", "copy-file", "close-file", "create-directory",
    "select-matching-text", "replace-text-selection", "replace-matching-text", "delete-text-selection",
    "append-lines-to-file", "prepend-lines-to-file", "insert-lines-before-line", "insert-lines-after-line",
    "append-lines-after-line", "append-lines-after-match", "insert-lines-before-match",
    "insert-lines-before-selection", "append-lines-after-selection", "select-lines-in-range",
    "replace-lines-in-range", "delete-lines-in-range", "delete-matching-lines", "insert-value-into-yaml",
    "set-yaml-value", "delete-yaml-value", "merge-yaml-values", "add-yaml-item", "insert-yaml-item",
    "replace-yaml-item", "select-yaml-path", "execute-command", "open-terminal", "close-terminal",
    "clear-terminal", "interrupt-terminal", "send-to-terminal", "yaml-set-value", "yaml-add-item",
    "yaml-insert-item", "yaml-replace-item", "yaml-delete-value", "yaml-merge-values", "yaml-select-path",
)
for _verb in EDITOR_VERBS:
    ACTIONS[f"editor:{_verb}"] = Spec("Editor", _verb.replace("-", " ").capitalize(), "file", (), (), "editor",
                                      "ld-open")

NAMESPACES = frozenset(name.split(":")[0] for name in ACTIONS)
PLUGINS = {"editor": "labdeck-editor", "files": "a files plugin"}

# A fence's info string is "namespace:verb"; superfences only matches [\w#.+-] names, so the
# opening line is rewritten to FENCE_PREFIX + "namespace--verb" before Markdown sees it.
FENCE_PREFIX = "ld-action-"
_OPEN = re.compile(r"^(?P<lead>(?:[ \t]*(?:>[ \t]?)*)*[ \t]*(?:[-*+]|\d+[.)])?[ \t]*)"
                   r"(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\s`]*)[^`]*$")
_ACTION_WORD = re.compile(r"^(?P<ns>[a-z]+):(?P<verb>[a-z][a-z0-9-]*)$")


def fence_name(action: str) -> str:
    return FENCE_PREFIX + action.replace(":", "--")


FENCE_NAMES = {fence_name(action): action for action in ACTIONS}


def action_fences(lines: list[str]) -> Iterator[tuple[int, int, str, str]]:
    """(index of the opening line, of the closing line, action word, body) for every top-level
    fence whose info string is ``namespace:verb`` of a known namespace; fences inside other
    fences (an example of the syntax) are left alone. An unclosed fence runs to the end."""
    index = 0
    while index < len(lines):
        match = _OPEN.match(lines[index])
        if not match:
            index += 1
            continue
        fence = match.group("fence")
        end = index + 1
        while end < len(lines):
            stripped = lines[end].strip()
            if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
                break
            end += 1
        word = _ACTION_WORD.match(match.group("info"))
        if word and word.group("ns") in NAMESPACES:
            yield index, end, match.group("info"), "\n".join(lines[index + 1:end])
        index = end + 1


UNKNOWN_FENCE = FENCE_PREFIX + "unknown"


def rewrite_fences(text: str) -> str:
    """Give each action fence an info string superfences accepts (see FENCE_PREFIX). A block of
    an unknown verb in a known namespace becomes the UNKNOWN_FENCE with the word as its body, so
    it shows a message, never its YAML."""
    lines = text.split("\n")
    for start, end, word, _body in reversed(list(action_fences(lines))):
        if word in ACTIONS:
            lines[start] = lines[start].replace(word, fence_name(word), 1)
        else:
            lines[start:end] = [lines[start].replace(word, UNKNOWN_FENCE, 1), word]
    return "\n".join(lines)


def unknown_html(word: str) -> str:
    known = ", ".join(sorted({name.split(":")[0] + ":*" for name in ACTIONS}))
    return error_html(f"unknown action {word.strip()!r} (the namespaces labdeck knows: {known}; "
                      "docs/actions.md lists every action)")


class ActionError(ValueError):
    pass


def _filled(value: Any, fill: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return fill(value)
    if isinstance(value, list):
        return [_filled(item, fill) for item in value]
    if isinstance(value, dict):
        return {key: _filled(item, fill) for key, item in value.items()}
    return value


def parse(action: str, body: str, fill: Callable[[str], str] = str) -> dict[str, Any]:
    """The block's YAML body as a mapping; ActionError says what is wrong (with the body's line).

    ``fill`` puts variable values into each string *after* the YAML is parsed, so a value
    (a user name, a plugin's variable) can never add or change a field of the block."""
    import yaml

    try:
        data = load_yaml(body) if body.strip() else {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1} of the block)" if mark else ""
        raise ActionError(f"malformed YAML in the {action} block{where}: "
                          f"{getattr(error, 'problem', None) or error}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ActionError(f"the {action} block must hold YAML fields (name: value), not {type(data).__name__}")
    spec = ACTIONS[action]
    missing = [name for name in spec.required if data.get(name) in (None, "")]
    if missing:
        raise ActionError(f"the {action} block needs {' and '.join(repr(m) for m in missing)}")
    return {str(key): _filled(value, fill) for key, value in data.items()}


def unknown_fields(action: str, data: dict[str, Any]) -> list[str]:
    spec = ACTIONS[action]
    if spec.needs == "editor":
        return []  # the editor plugin owns these fields
    return [name for name in data if name not in spec.fields]


def _session(data: dict[str, Any]) -> str:
    return str(data.get("session", "1"))


def bus_args(action: str, data: dict[str, Any]) -> dict[str, Any]:
    """What goes on the bus: the block's own fields less the presentation ones, sessions as text,
    ``endl`` of terminal:input made explicit (Educates' default is true)."""
    args = {k: v for k, v in data.items() if k not in COMMON}
    for key in ("command", "text"):
        if key in args and not isinstance(args[key], str):
            args[key] = "" if args[key] is None else str(args[key])
    if "session" in args or action in ("terminal:execute", "terminal:input", "terminal:interrupt",
                                       "terminal:clear", "terminal:select", "workshop:copy-and-edit"):
        args["session"] = _session(data)
    if action == "terminal:input":
        args["endl"] = data.get("endl", True) is not False
    return args


def _banner(action: str, data: dict[str, Any]) -> tuple[str, str]:
    spec = ACTIONS[action]
    title = spec.title.format(session=_session(data), name=data.get("name", ""))
    if action == "terminal:input" and data.get("endl", True) is not False:
        title = title.replace("Input text", "Input text with Enter")
    prefix = data.get("prefix", spec.prefix)
    return ("" if prefix is None else str(prefix)), str(data.get("title", title) or title)


def _flags(data: dict[str, Any]) -> str:
    out = ""
    for key in ("autostart", "cascade"):
        if data.get(key) is True:
            out += f" data-{key}"
    if "cooldown" in data:
        out += f' data-cooldown="{escape(str(data["cooldown"]))}"'
    if data.get("hidden") is True:
        out += " hidden"
    return out


def error_html(message: str) -> str:
    return (f'<div class="ld-error ld-action-error" role="alert"><strong>This action block has a problem</strong>'
            f"<pre>{escape(message)}</pre></div>\n")


def action_html(action: str, body: str, fill: Callable[[str], str] = str) -> str:
    """The markup for one action block; ``fill`` puts variable values into its strings."""
    try:
        data = parse(action, body, fill)
    except ActionError as error:
        return error_html(str(error))
    if action.startswith("section:"):
        return _section_html(action, data)
    spec = ACTIONS[action]
    prefix, title = _banner(action, data)
    shown = data.get("description")
    if shown is None and spec.shown is not None:
        shown = data.get(spec.shown)
    args = escape(json.dumps(bus_args(action, data), default=str), quote=True)
    label = f"{prefix}: {title}" if prefix else title
    banner = f'{f"<b>{escape(prefix)}:</b> " if prefix else ""}{escape(title)}'
    if action == "examiner:execute-test":  # run by labdeck itself (check_blocks.py, check_runner.py)
        from .check_blocks import check_html

        return check_html(data, label, banner, _flags(data))
    needs = ""
    if spec.needs:
        plugin = PLUGINS[spec.needs]
        needs = (f'<p class="ld-action-needs" data-needs="{spec.needs}">Needs the {spec.needs} plugin ({plugin}): '
                 "this workshop's dashboard has no tab that carries it out.</p>")
    code = "" if shown in (None, "") else f"<pre><code>{escape(str(shown).rstrip(chr(10)), quote=False)}</code></pre>"
    return (
        f'<div class="ld-code ld-action {spec.css}" data-action="{escape(action)}" data-args="{args}"'
        f'{_flags(data)} role="button" tabindex="0" title="{escape(label)}">'
        f'<div class="ld-action-banner">{banner}</div>'
        f'{code}<span class="ld-code-icon" aria-hidden="true"></span>'
        f'<span class="ld-code-feedback" role="status" aria-live="polite"></span>{needs}</div>\n'
    )


def _section_html(action: str, data: dict[str, Any]) -> str:
    if action == "section:end":
        return "</div></details>\n"
    prefix = str(data.get("prefix", "Section"))
    title = str(data.get("title", data.get("name", "")))
    label = f"{prefix}: {title}" if title else prefix
    banner = f'<b>{escape(prefix)}{":" if title else ""}</b> {escape(title)}'
    if action == "section:heading":
        return (f'<div class="ld-action ld-section-heading" data-action="section:heading"{_flags(data)} '
                f'role="heading" aria-level="3">{banner}</div>\n')
    is_open = " open" if data.get("open") is True else ""
    name = f' data-name="{escape(str(data["name"]))}"' if "name" in data else ""
    return (f'<details class="ld-section"{name}{is_open}>'
            f'<summary class="ld-action ld-section-title" data-action="section:begin"{_flags(data)} '
            f'title="{escape(label)}">{banner}</summary><div class="ld-section-body">\n')
