"""Educates workshops: ``resources/workshop.yaml`` (the ``Workshop`` definition) and the Hugo
renderer's page order.

A folder is an Educates workshop when it has ``resources/workshop.yaml`` of kind ``Workshop``.
Its pages are the classic renderer's (``workshop/modules.yaml``, read by workshop.py) or the Hugo
renderer's: every ``.md`` under ``workshop/content`` (page bundles ``name/index.md``), with
``title`` and ``weight`` in YAML or TOML front matter, ordered by weight (pages without one
after those with one), then by file path, as Hugo orders ``.Site.RegularPages``.
What labdeck reads from the definition, and what it ignores, is in docs/notes.md.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..problems import ERROR, WARNING, Problem

if TYPE_CHECKING:
    from ..workshop import Workshop

DEFINITION = Path("resources") / "workshop.yaml"
#: spec.session.applications.terminal.layout -> the dashboard's terminal layout
TERMINAL_LAYOUTS = {"default": "default", "split": "split", "split/2": "split/2", "lower": "lower",
                    "none": "none"}
APPLICATIONS = ("terminal", "console", "editor", "slides", "files", "examiner", "docker", "vcluster", "git")

#: Educates' data variable -> the labdeck variable that holds the same thing here
ALIASES = {
    "session_name": "username",
    "session_id": "username",
    "session_namespace": "project_namespace",
    "workshop_namespace": "project_namespace",
    "ingress_domain": "cluster_subdomain",
    "session_url": "base_url",
}
#: Educates' data variables with a fixed value in a local run
LOCAL_VALUES = {
    "ingress_protocol": "http",
    "ingress_port_suffix": "",
    "cluster_domain": "cluster.local",
    "policy_engine": "none",
    "platform_arch": "amd64",
}


@dataclass
class Definition:
    """What a local run uses of a ``Workshop`` definition."""

    name: str = ""
    title: str = ""
    description: str = ""
    terminal_layout: str = "default"
    applications: dict[str, bool] = field(default_factory=dict)
    #: (name, url) of spec.session.dashboards; url ``terminal:<session>`` is a terminal tab
    dashboards: list[tuple[str, str]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)


def _mapping(data: Any, *keys: str) -> dict[str, Any]:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def load_definition(root: Path, problems: list[Problem] | None = None) -> Definition | None:
    """The definition at ``root/resources/workshop.yaml``, or None when there is none (or it is
    not a ``Workshop``). Problems (malformed YAML, an unknown terminal layout) go to ``problems``."""
    problems = [] if problems is None else problems
    path = Path(root) / DEFINITION
    file = DEFINITION.as_posix()
    if not path.is_file():
        return None
    import yaml

    try:
        documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problems.append(Problem(file, mark.line + 1 if mark else 0, ERROR, f"malformed YAML: {error}"))
        return None
    except OSError as error:
        problems.append(Problem(file, 0, ERROR, f"cannot read: {error.strerror}"))
        return None
    data = next((d for d in documents if isinstance(d, dict) and d.get("kind") == "Workshop"), None)
    if data is None:
        return None
    spec = _mapping(data, "spec")
    session = _mapping(spec, "session")
    applications = _mapping(session, "applications")
    layout = str(_mapping(applications, "terminal").get("layout") or "default")
    if layout not in TERMINAL_LAYOUTS:
        problems.append(Problem(file, 0, WARNING, f"unknown terminal layout {layout!r}; using 'default' "
                                f"(known: {', '.join(TERMINAL_LAYOUTS)})"))
        layout = "default"
    if _mapping(applications, "terminal").get("enabled") is False:
        layout = "none"
    dashboards = []
    for entry in session.get("dashboards") or []:
        if isinstance(entry, dict) and entry.get("name") and entry.get("url"):
            dashboards.append((str(entry["name"]), str(entry["url"])))
        else:
            problems.append(Problem(file, 0, WARNING, f"spec.session.dashboards entry without name and url: {entry!r}"))
    env = {str(e["name"]): str(e.get("value", "")) for e in session.get("env") or []
           if isinstance(e, dict) and e.get("name")}
    return Definition(
        name=str(_mapping(data, "metadata").get("name") or ""),
        title=str(spec.get("title") or ""),
        description=str(spec.get("description") or ""),
        terminal_layout=TERMINAL_LAYOUTS[layout],
        applications={name: _mapping(applications, name).get("enabled") is True for name in APPLICATIONS
                      if name in applications},
        dashboards=dashboards,
        env=env,
    )


def variables(definition: Definition) -> dict[str, str]:
    """Data variables an Educates workshop can use that labdeck's own do not cover."""
    return {**LOCAL_VALUES, "workshop_name": definition.name, "workshop_description": definition.description,
            **({"workshop_title": definition.title} if definition.title else {})}


def _weight(meta: dict[str, Any]) -> float:
    try:
        weight = float(meta.get("weight", 0))
    except (TypeError, ValueError):
        return math.inf
    return weight if weight > 0 else math.inf  # Hugo: weight 0 (or none) sorts after every weighted page


def apply_if_educates(workshop: Workshop) -> None:
    """Called by workshop.py once pages are found and ordered: nothing happens for a workshop
    without an Educates definition."""
    definition = load_definition(workshop.root, workshop.problems)
    if definition is not None:
        apply(workshop, definition)


def apply(workshop: Workshop, definition: Definition) -> None:
    """Make ``workshop`` (loaded by workshop.py) an Educates one: title, variables, and for the
    Hugo layout the titles and order of its pages."""
    workshop.dialect = "educates"
    for page in workshop.pages.values():
        page.dialect = "educates"
    if definition.title:
        workshop.title = definition.title
    own = variables(definition)
    workshop.config_vars = {**own, **workshop.config_vars}
    workshop.known_names |= set(own) | set(ALIASES)
    if workshop.layout == "modules":
        return
    from ..workshop import title_from_name

    for page in workshop.pages.values():
        if page.meta.get("title"):
            page.title = str(page.meta["title"])
        elif page.id.endswith("/index") and page.title == "Index":  # a page bundle: named by its folder
            page.title = title_from_name(page.id.rsplit("/", 1)[0])
    workshop.sequence = sorted(workshop.pages, key=lambda i: (_weight(workshop.pages[i].meta),
                                                              i.replace("_index", "")))


_DOLLAR = re.compile(r"\$\((\w+)\)")


def dashboard_urls(definition: Definition, values: dict[str, str]) -> list[tuple[str, str]]:
    """spec.session.dashboards as (name, URL under the prefix or absolute): ``terminal:<session>``
    is that terminal session's page, ``$(name)`` takes the variable's value."""
    tabs = []
    for name, url in definition.dashboards:
        if url.startswith("terminal:"):
            url = f"terminal/session/{url.split(':', 1)[1]}"
        else:
            url = _DOLLAR.sub(lambda m: values.get(variable_name(m.group(1)), values.get(m.group(1), "")), url)
        tabs.append((name, url))
    return tabs


def variable_name(name: str) -> str:
    return ALIASES.get(name, name)
