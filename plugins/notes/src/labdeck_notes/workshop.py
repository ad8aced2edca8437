"""Find a workshop's pages, their order, titles and settings (no rendering here).

Layouts, as published workshops use them (``base`` is the folder holding ``content/``):

* ``workshop/content/`` + ``workshop/modules.yaml`` (+ ``workshop.yaml``): the module
  list gives order, names and exit signs (layout ``modules``).
* ``raneto/content/`` or ``workshop/content/`` with YAML front matter in the pages:
  ``Sort``, ``Title``, ``PrevPage``, ``NextPage``, ``ExitSign``, ``ExitLink``;
  subfolders are categories, a ``sort`` file orders a category (layout ``pages``).
* a plain folder of ``.md`` / ``.adoc`` files (layout ``pages`` too).
"""

from __future__ import annotations

import logging
import math
import os
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .configjs import ConfigJs, declared_names, load_config_js
from .folders import find_base
from .formats.educates import apply_if_educates
from .frontmatter import ContentError, load_yaml, meta_line, split_front_matter
from .problems import ERROR, WARNING, Problem

log = logging.getLogger(__name__)

PAGE_SUFFIXES = (".md", ".adoc")


@dataclass
class Page:
    id: str  #: URL path under notes/, posix, without extension: ``exercises/01-intro``
    path: Path
    file: str  #: for reports, relative to the workshop root the author gave
    title: str
    meta: dict[str, Any] = field(default_factory=dict)
    exit_sign: str | None = None
    exit_link: str | None = None
    sort: float = math.inf
    error: ContentError | None = None
    dialect: str = ""  #: "educates" for an Educates workshop's page (formats/educates.py)
    #: position in the page sequence (0-based); None when the sequence never reaches it
    index: int | None = None
    prev: str | None = None
    next: str | None = None
    #: "liquid.js" when the workshop asks for Liquid templates, else "" (``%name%`` variables)
    template_engine: str = ""

    @property
    def format(self) -> str:
        return "adoc" if self.path.suffix == ".adoc" else "md"

    @property
    def category(self) -> str:
        return posixpath.dirname(self.id)


@dataclass
class Workshop:
    root: Path
    base: Path
    content: Path
    layout: str  #: "modules" or "pages"
    title: str
    pages: dict[str, Page]
    sequence: list[str]  #: page ids, first to last
    config_vars: dict[str, str] = field(default_factory=dict)
    known_names: set[str] = field(default_factory=set)  #: variable names declared (even if unset)
    #: config.vars declared ``html: true`` whose value comes from the workshop's own files
    html_vars: set[str] = field(default_factory=set)
    analytics: str | None = None
    template_engine: str = ""  #: "liquid.js" or "" (``%name%``), as the original's ``template_engine``
    slides: Path | None = None
    problems: list[Problem] = field(default_factory=list)
    dialect: str = ""  #: "educates" for an Educates workshop (formats/educates.py)

    @property
    def home(self) -> Page | None:
        """The author's own home page (``index``), which replaces the generated one."""
        return self.pages.get("index")

    def categories(self) -> list[tuple[str, list[Page]]]:
        """Runs of pages from one folder, in sequence order. Pages outside the sequence (not
        activated in workshop.yaml, or never reached by NextPage) are no steps of the workshop."""
        groups: list[tuple[str, list[Page]]] = []
        for page in (self.pages[i] for i in self.sequence):
            if groups and groups[-1][0] == page.category:
                groups[-1][1].append(page)
            else:
                groups.append((page.category, [page]))
        return groups

    def resolve(self, page: Page, ref: str) -> str | None:
        """A ``NextPage``/``PrevPage`` value (relative to ``page``, ``..`` allowed) -> page id."""
        target = resolve_ref(page.id, ref)
        return target if target in self.pages else None


def resolve_ref(page_id: str, ref: str) -> str:
    ref = str(ref).strip()
    for suffix in PAGE_SUFFIXES:
        if ref.endswith(suffix):
            ref = ref[: -len(suffix)]
    if ref.startswith("/"):
        joined = ref.lstrip("/")
    else:
        joined = posixpath.join(posixpath.dirname(page_id), ref)
    return posixpath.normpath(joined).lstrip("/")


def title_from_name(name: str) -> str:
    """``exercises/01-sample-workshop`` -> ``Sample Workshop``."""
    stem = posixpath.basename(name)
    stem = re.sub(r"^\d+[-_.\s]*", "", stem) or stem
    return " ".join(word.capitalize() if word.islower() else word for word in re.split(r"[-_\s]+", stem) if word)


_HEADING = re.compile(r"^(?:#{1,2}\s+(.+?)\s*#*\s*$|=\s+(.+?)\s*$)", re.MULTILINE)


def first_heading(body: str) -> str | None:
    match = _HEADING.search(body[:4000])
    return (match.group(1) or match.group(2)).strip() if match else None


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _read_yaml(path: Path, root: Path, problems: list[Problem]) -> dict[str, Any]:
    import yaml

    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problems.append(Problem(_rel(root, path), mark.line + 1 if mark else 0, ERROR,
                                f"malformed YAML: {getattr(error, 'problem', None) or error}"))
        return {}
    except OSError as error:
        problems.append(Problem(_rel(root, path), 0, ERROR, f"cannot read: {error.strerror}"))
        return {}
    if not isinstance(data, dict):
        problems.append(Problem(_rel(root, path), 1, ERROR, "expected a mapping at the top level"))
        return {}
    return data


def page_files(content: Path) -> list[Path]:
    """Every page file under ``content`` (hidden files and folders skipped, symlinks not followed out)."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(content):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")) and d != "node_modules")
        found += [Path(folder) / f for f in sorted(files) if f.endswith(PAGE_SUFFIXES) and not f.startswith(".")]
    return found


def _load_page(path: Path, page_id: str, root: Path) -> Page:
    file = _rel(root, path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        problem = ContentError(error.strerror or "unreadable", file)
        return Page(page_id, path, file, title_from_name(page_id), error=problem)
    source = split_front_matter(text, file)
    meta = source.meta
    title = meta.get("Title") or first_heading(source.body) or title_from_name(page_id)
    try:
        sort = float(meta["Sort"]) if "Sort" in meta else math.inf
    except (TypeError, ValueError):
        sort = math.inf
    return Page(page_id, path, file, str(title), meta=meta, exit_sign=_str(meta.get("ExitSign")),
                exit_link=_str(meta.get("ExitLink")), sort=sort, error=source.error)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _config_vars(entries: Any, overrides: Mapping[str, Any], environ: Mapping[str, str],
                 file: str, problems: list[Problem]) -> tuple[dict[str, str], set[str], set[str]]:
    """``config.vars`` of modules.yaml: aliases' env first, then the name's env, then the default.

    Returns (values, declared names, names whose value is the author's HTML): ``html: true``
    counts only for a value from the workshop's files, never for one from the environment."""
    values: dict[str, str] = {}
    names: set[str] = set()
    html: set[str] = set()
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        problems.append(Problem(file, 0, ERROR, "config.vars must be a list of {name, value, aliases, html}"))
        entries = []
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("name"):
            problems.append(Problem(file, 0, ERROR, f"config.vars entry without a name: {entry!r}"))
            continue
        name = str(entry["name"])
        names.add(name)
        default = overrides.get(name, entry.get("value", ""))
        value = next((environ[a] for a in [*(entry.get("aliases") or []), name] if a in environ), None)
        values[name] = str(default if value is None else value)
        if entry.get("html") is True and value is None:
            html.add(name)
    for name, default in overrides.items():  # workshop.yaml vars that modules.yaml does not declare
        name = str(name)
        if name not in names:
            names.add(name)
            values[name] = str(environ.get(name, "" if default is None else default))
    return values, names, html


def load_workshop(root: Path, environ: Mapping[str, str] | None = None,
                  workshop_file: str = "workshop.yaml") -> Workshop:
    """Read the workshop at ``root``. Never raises for content problems: they land in ``problems``.

    ``environ`` supplies the values of the workshop's own declared variables (names the
    author chose in modules.yaml, with their aliases) and config.js's environment.
    """
    environ = os.environ if environ is None else environ
    root = Path(root)
    from .formats import killercoda  # a Killercoda scenario: index.json names the pages

    if killercoda.is_scenario(root):
        return killercoda.load_scenario(root)
    base, content = find_base(root)
    problems: list[Problem] = []
    modules_file = base / "modules.yaml"
    selection_file = base / workshop_file
    modules_data = _read_yaml(modules_file, root, problems) if modules_file.is_file() else {}
    workshop_data = _read_yaml(selection_file, root, problems) if selection_file.is_file() else {}

    config = modules_data.get("config") or {}
    if not isinstance(config, dict):
        config = {}
    overrides = workshop_data.get("vars") or {}
    config_vars, known, html_vars = _config_vars(config.get("vars"), overrides if isinstance(overrides, dict) else {},
                                      environ, _rel(root, modules_file), problems)

    configjs = ConfigJs()
    for candidate in (base / "config.js", root / "raneto" / "config.js"):
        if candidate.is_file():
            configjs = load_config_js(candidate, environ)
            known |= set(declared_names(candidate.read_text(encoding="utf-8", errors="replace")))
            if configjs.warning:
                log.warning("%s", configjs.warning)
                problems.append(Problem(_rel(root, candidate), 0, WARNING, configjs.warning.split(": ", 1)[-1]))
            break
    for name, value in configjs.variables.items():
        known.add(name)
        if value is not None:  # an unset environment variable leaves the name to plugins
            config_vars[name] = value
            html_vars.discard(name)  # config.js values (often from the environment) are escaped

    pages: dict[str, Page] = {}
    for path in page_files(content):
        page_id = path.relative_to(content).with_suffix("").as_posix()
        if page_id in pages:
            problems.append(Problem(_rel(root, path), 0, ERROR, f"two files for page {page_id!r}; using the first"))
            continue
        pages[page_id] = _load_page(path, page_id, root)

    title = workshop_data.get("name") or configjs.site_title or title_from_name(root.resolve().name) or "Workshop"
    engine = configjs.template_engine or config.get("template_engine") or _setting(workshop_data, "template_engine")
    if configjs.modules and not (modules_data.get("modules") or workshop_data.get("modules")):
        # config.js's module_metadata(path, title, exit_sign) calls give the pages and their order
        modules_data = {**modules_data, "modules": {
            m["path"]: {"name": m["title"], "exit_sign": m["exit_sign"]} for m in configjs.modules}}
    slides = base / "slides"
    workshop = Workshop(
        root=root, base=base, content=content,
        layout="modules" if modules_data.get("modules") or workshop_data.get("modules") else "pages",
        title=str(title), pages=pages, sequence=[], config_vars=config_vars, known_names=known, html_vars=html_vars,
        analytics=_analytics(configjs, config), template_engine=str(engine or "").strip(),
        slides=slides if (slides / "index.html").is_file() else None, problems=problems,
    )
    if workshop.template_engine not in ("", "liquid.js"):
        problems.append(Problem(_rel(root, modules_file), 0, WARNING,
                                f"template_engine {workshop.template_engine!r} is unknown (the original knew "
                                "'liquid.js'); pages use %name% variables"))
        workshop.template_engine = ""
    for page in pages.values():
        page.template_engine = workshop.template_engine
    if workshop.layout == "modules":
        _order_modules(workshop, modules_data, workshop_data, modules_file, selection_file)
    else:
        _order_pages(workshop)
    apply_if_educates(workshop)
    for position, page_id in enumerate(workshop.sequence):
        page = pages[page_id]
        page.index = position
        page.prev = workshop.sequence[position - 1] if position else None
        page.next = workshop.sequence[position + 1] if position + 1 < len(workshop.sequence) else None
    if workshop.layout == "pages":
        _explicit_links(workshop)
    for page in pages.values():
        if page.error is not None:
            problems.append(Problem(page.file, page.error.line or 0, ERROR, page.error.message))
    return workshop


def _setting(data: dict[str, Any], key: str) -> Any:
    """``key`` at the top of workshop.yaml or under its ``config``."""
    config = data.get("config")
    return data.get(key) or (config.get(key) if isinstance(config, dict) else None)


def _analytics(configjs: ConfigJs, config: dict[str, Any]) -> str | None:
    """The tracking code pages carry, from config.js or modules.yaml's ``config``, as the original:
    ``analytics_tracking_code`` (the author's HTML) or a Google ``google_tracking_id``."""
    if configjs.analytics:
        return configjs.analytics
    tracking_id = configjs.google_tracking_id or config.get("google_tracking_id")
    if isinstance(tracking_id, str) and re.fullmatch(r"[A-Za-z0-9-]+", tracking_id):
        return (f'<script async src="https://www.googletagmanager.com/gtag/js?id={tracking_id}"></script>'
                "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
                f"gtag('js',new Date());gtag('config','{tracking_id}');</script>")
    code = config.get("analytics_tracking_code")
    return code if isinstance(code, str) and code.strip() else None


def _order_modules(workshop: Workshop, modules_data: dict[str, Any], workshop_data: dict[str, Any],
                   modules_file: Path, workshop_file: Path) -> None:
    root = workshop.root
    modules = modules_data.get("modules") or {}
    if not isinstance(modules, dict):
        workshop.problems.append(Problem(_rel(root, modules_file), 0, ERROR, "modules must be a mapping"))
        modules = {}
    selection = workshop_data.get("modules") or {}
    activate = selection.get("activate") if isinstance(selection, dict) else None
    source_file = workshop_file if activate is not None else modules_file
    names = [str(n) for n in (activate if isinstance(activate, list) else modules)]
    lines = (source_file.read_text(encoding="utf-8").split("\n") if source_file.is_file() else [])

    def line_of(name: str) -> int:
        return next((i for i, text in enumerate(lines, 1) if re.search(rf"(^|[\s-]){re.escape(name)}:?\s*$", text)), 0)

    for name in names:
        page = workshop.pages.get(name)
        if page is None:
            workshop.problems.append(Problem(_rel(root, source_file), line_of(name), ERROR,
                                             f"module {name!r} has no page file {name}.md or {name}.adoc"))
            continue
        if name in workshop.sequence:
            workshop.problems.append(Problem(_rel(root, source_file), line_of(name), ERROR,
                                             f"module {name!r} is listed twice"))
            continue
        entry = modules.get(name)
        if entry is None and activate is not None:
            # the original built its sequence from modules.yaml filtered by activate: such a
            # module was no step of the workshop (an author comments a module out this way)
            workshop.problems.append(Problem(
                _rel(root, workshop_file), line_of(name), WARNING,
                f"activated module {name!r} has no entry in modules.yaml, so it is no step of the "
                "workshop (as in the original); add it to modules.yaml to show it"))
            continue
        entry = entry if isinstance(entry, dict) else {}
        if entry.get("name"):
            page.title = str(entry["name"])
        page.exit_sign = _str(entry.get("exit_sign")) or page.exit_sign
        page.exit_link = _str(entry.get("exit_link")) or page.exit_link
        workshop.sequence.append(name)


def _category_sort(folder: Path) -> float:
    try:
        return float((folder / "sort").read_text().strip())
    except (OSError, ValueError):
        return math.inf


def _sorted_ids(workshop: Workshop) -> list[str]:
    """Pages in Raneto order: each level's pages and categories by Sort (categories by
    their ``sort`` file), ties by name; a category's pages come together."""

    def level(prefix: str) -> list[str]:
        entries: list[tuple[float, str, list[str]]] = []
        folders: set[str] = set()
        for page_id, page in workshop.pages.items():
            rest = page_id[len(prefix):] if page_id.startswith(prefix) else None
            if rest is None:
                continue
            if "/" in rest:
                folders.add(rest.split("/", 1)[0])
            else:
                entries.append((page.sort, rest, [page_id]))
        for folder in folders:
            sort = _category_sort(workshop.content / (prefix + folder))
            entries.append((sort, folder + "/", level(prefix + folder + "/")))
        entries.sort(key=lambda e: (e[0], e[1]))
        return [page_id for _, _, ids in entries for page_id in ids]

    ordered = level("")
    if "index" in ordered:  # the home page starts the workshop
        ordered.remove("index")
        ordered.insert(0, "index")
    return ordered


def _uses_explicit_links(workshop: Workshop) -> bool:
    return any("NextPage" in p.meta or "PrevPage" in p.meta for p in workshop.pages.values())


def _order_pages(workshop: Workshop) -> None:
    ordered = _sorted_ids(workshop)
    if not ordered:
        return
    if not _uses_explicit_links(workshop):
        workshop.sequence = ordered
        return
    # Explicit navigation: follow NextPage from the first page; a page without one ends the walk.
    page_id: str | None = ordered[0]
    while page_id is not None and page_id not in workshop.sequence:
        workshop.sequence.append(page_id)
        page = workshop.pages[page_id]
        ref = page.meta.get("NextPage")
        page_id = workshop.resolve(page, str(ref)) if ref else None


def _explicit_links(workshop: Workshop) -> None:
    """Apply PrevPage/NextPage of each page to its buttons and report the broken ones."""
    for page in workshop.pages.values():
        text = None
        for key in ("PrevPage", "NextPage"):
            ref = page.meta.get(key)
            if not ref:
                continue
            target = workshop.resolve(page, str(ref))
            if target is None:
                if text is None:
                    text = page.path.read_text(encoding="utf-8", errors="replace")
                workshop.problems.append(Problem(page.file, meta_line(text, key) or 1, ERROR,
                                                 f"{key} {ref!r}: no such page ({resolve_ref(page.id, str(ref))})"))
                continue
            if key == "PrevPage":
                page.prev = target
            else:
                page.next = target
