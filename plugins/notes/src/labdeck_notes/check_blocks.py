"""Checks on a page: the markup of an ``examiner:execute-test`` block, which checks a page has,
and whether a page is gated on them. check_runner.py runs them; static/checks.js drives the blocks.

A check is named by its script: ``name`` of an ``examiner:execute-test`` block (a script in
``<workshop>/examiner/tests/``, Educates' ``workshop/examiner/tests/``), or ``verify`` for a
Killercoda step's verify script. docs/checks.md is the author's side of this.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from . import actions
from .frontmatter import split_front_matter
from .workshop import Page, Workshop

CHECK = "examiner:execute-test"
VERIFY = "verify"  #: the check name of a Killercoda step's verify script
#: front-matter keys that gate a page on its checks (``require_checks: true``), any spelling
GATE_KEYS = ("require_checks", "RequireChecks")


def examiner_folder(workshop: Workshop) -> Path:
    """Where a workshop's check scripts are: ``workshop/examiner/tests`` of an Educates or
    homeroom workshop, ``examiner/tests`` beside the pages of a plain Markdown folder."""
    return workshop.base / "examiner" / "tests"


def retries(value: Any) -> float:
    """Educates' ``retries``: a count of further attempts, ``.INF`` (YAML's infinity) for no end."""
    if isinstance(value, str) and value.strip().lower() in (".inf", "inf", "infinity"):
        return float("inf")
    try:
        return max(float(value or 0), 0.0)
    except (TypeError, ValueError):
        return 0.0


def check_settings(data: dict[str, Any]) -> dict[str, Any]:
    """What the page's script (checks.js) needs to run the check: JSON-safe (infinity as -1)."""
    args = data.get("args", [])
    count = retries(data.get("retries", 0))
    return {"name": str(data["name"]), "args": [str(a) for a in args] if isinstance(args, list) else [str(args)],
            "timeout": data.get("timeout"), "retries": -1 if count == float("inf") else int(count),
            "delay": data.get("delay", 1)}


def _form_html(inputs: Any) -> str:
    """Educates' ``inputs`` (``schema`` of fields, ``form`` naming the submit button) as a small form."""
    schema = inputs.get("schema", {}) if isinstance(inputs, dict) else {}
    form = inputs.get("form", []) if isinstance(inputs, dict) else []
    submit = next((str(item.get("title", "Run")) for item in form if isinstance(item, dict)
                   and item.get("type") == "submit"), "Run")
    fields = []
    for name, field in (schema.items() if isinstance(schema, dict) else []):
        field = field if isinstance(field, dict) else {}
        kind = {"number": "number", "integer": "number", "boolean": "checkbox"}.get(str(field.get("type")), "text")
        default = field.get("default")
        value = (" checked" if default is True else "") if kind == "checkbox" else (
            f' value="{escape(str(default))}"' if default is not None else "")
        required = " required" if field.get("required") is True and kind != "checkbox" else ""
        declared = escape(str(field.get("type", "string")))
        fields.append(f'<label class="ld-check-field"><span>{escape(str(field.get("title", name)))}</span>'
                      f'<input name="{escape(str(name))}" type="{kind}" data-type="{declared}"'
                      f"{value}{required}></label>")
    return (f'<form class="ld-check-form">{"".join(fields)}'
            f'<button type="submit" class="ld-check-run">{escape(submit)}</button></form>')


def check_html(data: dict[str, Any], label: str, banner: str, flags: str) -> str:
    """One check block: banner, its Run button (or its ``inputs`` form), a status line and the
    output of a failed run; checks.js fills in the rest."""
    settings = escape(json.dumps(check_settings(data), default=str), quote=True)
    shown = data.get("description")
    body = f"<p>{escape(str(shown))}</p>" if shown else ""
    control = (_form_html(data["inputs"]) if data.get("inputs") is not None
               else '<button type="button" class="ld-check-run">Run check</button>')
    return (f'<div class="ld-action ld-check" data-action="{CHECK}" data-check="{settings}" data-state="idle"'
            f'{" data-inputs" if data.get("inputs") is not None else ""}{flags} aria-label="{escape(label)}">'
            f'<div class="ld-action-banner">{banner}</div>{body}{control}'
            '<span class="ld-check-status" role="status" aria-live="polite"></span>'
            '<pre class="ld-check-output" hidden></pre></div>\n')


def page_checks(page: Page, text: str | None = None) -> list[str]:
    """The names of the checks on ``page``, in page order (read from its file)."""
    if page.meta.get(VERIFY) and page.dialect == "killercoda":
        return [VERIFY]
    if page.format != "md":
        return []
    if text is not None:
        return _checks_in(text)
    try:
        stat = Path(page.path).stat()
        key = (str(page.path), stat.st_mtime_ns, stat.st_size)
        if key not in _SEEN:
            if len(_SEEN) > 1000:
                _SEEN.clear()
            _SEEN[key] = _checks_in(Path(page.path).read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return []
    return list(_SEEN[key])


_SEEN: dict[tuple[str, int, int], list[str]] = {}  #: a page file's checks, by its path, mtime and size


def _checks_in(text: str) -> list[str]:
    names: list[str] = []
    for _start, _end, word, body in actions.action_fences(split_front_matter(text).body.split("\n")):
        if word != CHECK:
            continue
        try:
            name = str(actions.parse(word, body)["name"])
        except actions.ActionError:
            continue
        if name not in names:
            names.append(name)
    return names


def gated(page: Page, whole_workshop: bool) -> bool:
    """Must ``page``'s checks pass before the next page opens? Opt-in: the page's front matter
    (``require_checks: true``) or the workshop's setting (``--notes-require-checks``), which
    is how a Killercoda scenario gets Killercoda's own behaviour (a step's verify must pass)."""
    for key in GATE_KEYS:
        if key in page.meta:
            return page.meta[key] is True
    return whole_workshop
