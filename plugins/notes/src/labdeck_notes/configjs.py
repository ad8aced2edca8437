"""``config.js`` as the original servers read it: evaluated by node, environment passed through.

Two shapes exist in published workshops: Raneto's ``module.exports = {site_title,
analytics, variables: [{name, content}]}`` and the later workshop renderer's
``module.exports = function initialize(workshop) { ... }`` calling the original's whole
``workshop`` API: ``site_title``, ``template_engine``, ``analytics_tracking_code``,
``google_tracking_id``, ``module_metadata(path, title, exit_sign)``, ``load_workshop(file)``
and ``data_variable(name, value, aliases)`` (an alias's environment variable, else, without
aliases, the name's, overrides the value, exactly as the original did).
Without node we cannot run the author's code; the caller gets the names of the
variables that were skipped so it can say so.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

TIMEOUT = 10.0

# Runs under node: loads the author's file and prints one JSON object.
_WRAPPER = r"""
const path = process.argv[1];
let value = require(path);
if (value && typeof value === 'object' && typeof value.default === 'function') value = value.default;
const variables = {};
const out = {modules: []};
if (typeof value === 'function') {
  // the original renderer's `workshop` API (dashboard/renderer/config.js), recorded
  const workshop = {
    site_title(title) { out.site_title = title; },
    analytics_tracking_code(code) { if (code) out.analytics = code; },
    google_tracking_id(id) { if (id) out.google_tracking_id = id; },
    template_engine(engine) { if (engine) out.template_engine = engine; },
    module_metadata(path, title, exit_sign) { out.modules.push({path, title, exit_sign}); },
    data_variable(name, content, aliases) {
      if (typeof aliases === 'string') aliases = [aliases];
      // as the original: the aliases' environment when there are aliases, else the name's
      for (const key of aliases === undefined ? [name] : aliases) {
        if (process.env[key] !== undefined) { content = process.env[key]; break; }
      }
      variables[name] = content;
    },
    load_workshop(file) { out.load_workshop = file === undefined ? null : String(file); },
  };
  workshop.config = {};
  value(workshop);
} else if (value && typeof value === 'object') {
  for (const key of ['site_title', 'analytics', 'base_url', 'template_engine']) {
    if (typeof value[key] === 'string') out[key] = value[key];
  }
  for (const item of value.modules || []) {
    if (item && item.path) out.modules.push({path: item.path, title: item.title, exit_sign: item.exit_sign});
  }
  for (const item of value.variables || []) {
    if (item && item.name) variables[item.name] = item.content;
  }
}
for (const key of Object.keys(variables)) {
  const v = variables[key];
  variables[key] = v === undefined || v === null ? null : String(v);
}
out.variables = variables;
process.stdout.write(JSON.stringify(out));
"""

_NAME_PATTERNS = (
    re.compile(r"""name\s*:\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]"""),
    re.compile(r"""data_variable\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]"""),
)
_TITLE_PATTERN = re.compile(r"""site_title\s*:\s*(['"])(.*?)\1""")


@dataclass
class ConfigJs:
    site_title: str | None = None
    analytics: str | None = None
    google_tracking_id: str | None = None
    template_engine: str | None = None
    #: ``module_metadata(path, title, exit_sign)`` calls (or a ``modules`` list): the page order
    modules: list[dict[str, str | None]] = field(default_factory=list)
    #: the workshop file ``load_workshop()`` was called with ("" for the default); None: not called
    load_workshop: str | None = None
    #: name -> value; None when the expression gave undefined (unset env var)
    variables: dict[str, str | None] = field(default_factory=dict)
    #: a problem worth telling the operator (no node, node failed)
    warning: str | None = None


def declared_names(text: str) -> list[str]:
    """Variable names a config.js declares, found without running it."""
    names: list[str] = []
    for pattern in _NAME_PATTERNS:
        names += [m for m in pattern.findall(text) if m not in names]
    return names


def load_config_js(path: Path, environ: Mapping[str, str] | None = None) -> ConfigJs:
    """Evaluate ``path`` with node (``environ`` is its whole environment)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    node = shutil.which("node")
    title = _TITLE_PATTERN.search(text)
    fallback = ConfigJs(site_title=title.group(2) if title else None)
    if node is None:
        names = declared_names(text)
        fallback.warning = (f"{path}: node is not installed, so config.js was not run; "
                            f"variables skipped: {', '.join(names) or '(none found)'}")
        return fallback
    env = dict(os.environ if environ is None else environ)
    try:
        done = subprocess.run(
            [node, "-e", _WRAPPER, str(path.resolve())], capture_output=True, text=True,
            timeout=TIMEOUT, env=env, cwd=str(path.parent), check=False,
        )
    except subprocess.TimeoutExpired:
        fallback.warning = f"{path}: node did not finish within {TIMEOUT:g} s; config.js ignored"
        return fallback
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])
        detail = next((line for line in last if "Error" in line), last[-1])
        fallback.warning = f"{path}: node failed ({detail.strip()}); config.js ignored"
        return fallback
    try:
        data = json.loads(done.stdout)
    except ValueError:
        fallback.warning = f"{path}: node printed something that is not the expected JSON; config.js ignored"
        return fallback
    return ConfigJs(
        site_title=_text(data.get("site_title")),
        analytics=_text(data.get("analytics")),
        google_tracking_id=_text(data.get("google_tracking_id")),
        template_engine=_text(data.get("template_engine")),
        modules=[{key: _text(item.get(key)) for key in ("path", "title", "exit_sign")}
                 for item in data.get("modules") or [] if isinstance(item, dict) and item.get("path")],
        load_workshop=("" if data["load_workshop"] is None else str(data["load_workshop"]))
        if "load_workshop" in data else None,
        variables={str(k): v for k, v in (data.get("variables") or {}).items()},
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
