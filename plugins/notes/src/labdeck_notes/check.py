"""``labdeck notes check DIR``: what an author should fix, each with file and line.

Errors (exit status 1): NextPage/PrevPage targets that do not exist, navigation cycles,
missing images, malformed front matter or YAML, modules without a page file, pages
that fail to render, code blocks never closed (they swallow the rest of the page) and
clickable code blocks that render empty or differently from their source (read as the
original renderer read it, sourceblocks.py). Warnings (exit 0 unless ``--strict``): pages
the navigation never reaches, variables that neither labdeck nor the original knew,
unknown code-block annotations.
"""

from __future__ import annotations

import argparse
import posixpath
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pygments.lexers import find_lexer_class_by_name
from pygments.util import ClassNotFound

from .action_check import check_page
from .codeblocks import ANNOTATIONS
from .files import safe_file
from .frontmatter import ContentError, load_yaml, meta_line, split_front_matter
from .problems import ERROR, WARNING, Problem
from .render import render_page
from .sourceblocks import SourceBlock, adoc_blocks, adoc_roles, markdown_blocks
from .variables import BUILTIN_NAMES, VARIABLE
from .workshop import Page, Workshop, load_workshop

#: the variables the original renderer knew without any workshop config (its config.js)
ORIGINAL_NAMES = ("console_url", "slides_url", "terminal_url", "username", "project_namespace",
                  "cluster_subdomain", "image_registry", "base_url")
#: annotations the original knew besides labdeck's own (click-to-copy)
ORIGINAL_ANNOTATIONS = ("copypaste",)
_LIQUID_VARIABLE = re.compile(r"\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}")
_CALLOUT = re.compile(r"[ \t]*(?:<\d+>|\(\d+\))(?=[ \t]*$)", re.MULTILINE)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^)]*[\"'])?\s*\)")
_HTML_IMAGE = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
_ADOC_IMAGE = re.compile(r"\bimage::?([^\s\[\]]+)\[")
_ADOC_ATTRIBUTES = re.compile(r"^\[([^\[\]]*)\]\s*$")


def _known_language(name: str) -> bool:
    try:
        find_lexer_class_by_name(name)
    except ClassNotFound:
        return name in ("text", "plain", "none", "output", "console", "")
    return True


def _body_lines(text: str) -> Iterable[tuple[int, str]]:
    """(line number, line) for the page body, front matter skipped."""
    source = split_front_matter(text)
    for offset, line in enumerate(source.body.split("\n")):
        yield source.body_line + offset, line


def _check_markup(workshop: Workshop, page: Page, text: str, known: set[str], liquid: bool) -> list[Problem]:
    problems: list[Problem] = []
    lines = list(_body_lines(text))
    annotations = set(ANNOTATIONS) | set(ORIGINAL_ANNOTATIONS)
    blocks = list(markdown_blocks(lines) if page.format == "md" else adoc_blocks(lines, annotations))
    in_code = {n for block in blocks for n in range(block.line, block.end + 1)}
    for block in blocks:
        if not block.closed:
            problems.append(Problem(page.file, block.line, ERROR,
                                    "code block never closed: the rest of the page "
                                    f"({len(block.text.rstrip(chr(10)).split(chr(10)))} lines) is inside it"))
        if page.format == "md" and block.annotation not in annotations and ":" not in block.annotation \
                and not _known_language(block.annotation):
            problems.append(Problem(page.file, block.line, WARNING,
                                    f"unknown code-block annotation {block.annotation!r} "
                                    f"(known: {', '.join(sorted(annotations))})"))
    for number, line in lines:
        for name in VARIABLE.findall(line):
            if name not in known:
                problems.append(Problem(page.file, number, WARNING,
                                        f"unknown variable %{name}% (it is shown as written)"))
        if liquid:
            for name in _LIQUID_VARIABLE.findall(line):
                if name not in known:
                    problems.append(Problem(page.file, number, WARNING,
                                            f"unknown variable {{{{{name}}}}} (Liquid shows it as nothing)"))
        if number in in_code:
            continue
        if page.format == "md":
            sources = _MD_IMAGE.findall(line) + _HTML_IMAGE.findall(line)
        else:
            attributes = _ADOC_ATTRIBUTES.match(line)
            for role in adoc_roles(attributes.group(1)) if attributes else ():
                if role.startswith(("execute", "copy")) and role not in annotations:
                    problems.append(Problem(page.file, number, WARNING, f"unknown code-block role {role!r}"))
            sources = _ADOC_IMAGE.findall(line) + _HTML_IMAGE.findall(line)
        for src in sources:
            problem = _missing_image(workshop, page, src)
            if problem:
                problems.append(Problem(page.file, number, ERROR, problem))
    return problems


class _ClickableBlocks(HTMLParser):
    """The text of every clickable block (codeblocks.py's ``div.ld-code[data-action]``) of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._depth = 0  # open elements inside the current block's <code>, 0 when outside one
        self._in_block = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "div" and "ld-code" in (values.get("class") or "").split() and "data-action" in values:
            self._in_block = True
        elif tag == "code" and self._in_block and not self._depth:
            self.texts.append("")
            self._depth = 1
        elif self._depth:
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self._depth:
            self._depth -= 1
            if not self._depth:
                self._in_block = False

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.texts[-1] += data


def clickable_texts(html: str) -> list[str]:
    parser = _ClickableBlocks()
    parser.feed(html)
    parser.close()
    return parser.texts


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in _CALLOUT.sub("", text).split("\n")).strip("\n")


def _short(text: str, limit: int = 60) -> str:
    text = text.replace("\n", "\u23ce")
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def check_blocks(page: Page, text: str, html: str, known: set[str], liquid: bool) -> list[Problem]:
    """Each clickable block of the source is a clickable block of the page, with the same text.

    Rendered with every known variable as ``%name%``, so that a value changes nothing; in a
    Liquid workshop ``{{ name }}`` becomes ``%name%`` too (an unknown name: nothing)."""
    lines = list(_body_lines(text))
    blocks: list[SourceBlock] = [
        block for block in (markdown_blocks(lines) if page.format == "md" else adoc_blocks(lines, ANNOTATIONS))
        if block.annotation in ANNOTATIONS and block.closed and not block.substitutions]
    rendered = [_normal(t) for t in clickable_texts(html)]
    sources = [_normal(_LIQUID_VARIABLE.sub(lambda m: f"%{m.group(1)}%" if m.group(1) in known else "", b.text)
                       if liquid else b.text) for b in blocks]
    if page.dialect == "educates":  # ``{{< param name >}}`` / ``{{ name }}`` are that variable
        from .shortcodes import translate

        sources = [translate(source, known) for source in sources]
    problems: list[Problem] = []
    position = 0
    for number, (block, source) in enumerate(zip(blocks, sources, strict=True)):
        found = next((i for i in range(position, len(rendered)) if rendered[i] == source), None)
        if found is not None:
            position = found + 1
            continue
        shown = rendered[position] if position < len(rendered) else None
        if shown is None:
            message = f"{block.annotation} block is not clickable on the rendered page"
        elif not shown and source:
            message = f"{block.annotation} block renders empty"
        else:
            message = (f"{block.annotation} block renders differently from its source: a click sends "
                       f"{_short(shown)!r}, the source has {_short(source)!r}")
        problems.append(Problem(page.file, block.line, ERROR, message))
        if shown is not None and shown not in sources[number + 1:]:
            position += 1  # that rendered block is this one, changed
    return problems


def _template_engine(workshop: Workshop) -> str | None:
    engine = getattr(workshop, "template_engine", None)
    if engine is None and (workshop.base / "modules.yaml").is_file():
        try:
            config = (load_yaml((workshop.base / "modules.yaml").read_text(encoding="utf-8")) or {}).get("config")
        except Exception:  # reported by the loader already
            config = None
        engine = config.get("template_engine") if isinstance(config, dict) else None
    return engine if isinstance(engine, str) else None


def _workshop_file_vars(workshop: Workshop) -> set[str]:
    """``vars`` of workshop.yaml: the original knew them even when modules.yaml did not declare them."""
    try:
        data = load_yaml((workshop.base / "workshop.yaml").read_text(encoding="utf-8")) or {}
    except Exception:  # missing or malformed: the loader reports the latter
        return set()
    found = data.get("vars") if isinstance(data, dict) else None
    return {str(name) for name in found} if isinstance(found, dict) else set()


def _missing_image(workshop: Workshop, page: Page, src: str) -> str | None:
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or src.startswith(("/", "#")):
        return None
    path = unquote(parts.path)
    if VARIABLE.search(path) or not path:
        return None
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page.id), path))
    if target.startswith("../") or safe_file(workshop.content, target) is None:
        return f"image {src!r} not found (looked for {target} in the content folder)"
    return None


def _check_navigation(workshop: Workshop) -> list[Problem]:
    problems: list[Problem] = []
    if workshop.layout == "pages":
        # a NextPage that leads back to a page already walked is a cycle
        for page_id in workshop.sequence:
            page = workshop.pages[page_id]
            ref = page.meta.get("NextPage")
            target = workshop.resolve(page, str(ref)) if ref else None
            if target is not None and target in workshop.sequence and \
                    workshop.sequence.index(target) <= workshop.sequence.index(page_id):
                text = page.path.read_text(encoding="utf-8", errors="replace")
                problems.append(Problem(page.file, meta_line(text, "NextPage") or 1, ERROR,
                                        f"navigation cycle: NextPage {ref!r} goes back to {target!r}"))
        for page_id in workshop.sequence[1:]:
            page = workshop.pages[page_id]
            ref = page.meta.get("PrevPage")
            target = workshop.resolve(page, str(ref)) if ref else None
            before = workshop.sequence[workshop.sequence.index(page_id) - 1]
            if target is not None and target != before:
                text = page.path.read_text(encoding="utf-8", errors="replace")
                problems.append(Problem(page.file, meta_line(text, "PrevPage") or 1, WARNING,
                                        f"PrevPage {ref!r} is {target!r}, but the page before this one is {before!r}"))
    already = " ".join(problem.message for problem in workshop.problems)
    for page in workshop.pages.values():
        if page.index is None and repr(page.id) not in already:  # else the workshop said why
            why = ("not activated in the workshop file" if workshop.layout == "modules"
                   else "no NextPage chain from the first page reaches it")
            problems.append(Problem(page.file, 0, WARNING, f"page is unreachable: {why}"))
    return problems


def check_workshop(root: Path, extra_names: Iterable[str] = ()) -> list[Problem]:
    """Every problem found in the workshop at ``root``."""
    return check(load_workshop(root), extra_names)


def check(workshop: Workshop, extra_names: Iterable[str] = ()) -> list[Problem]:
    problems = list(workshop.problems)
    known = set(BUILTIN_NAMES) | set(ORIGINAL_NAMES) | workshop.known_names | set(workshop.config_vars) \
        | _workshop_file_vars(workshop) | set(extra_names)
    liquid = _template_engine(workshop) == "liquid.js"
    values = {name: f"%{name}%" for name in known}
    problems += _check_navigation(workshop)
    for page in workshop.pages.values():
        try:
            text = page.path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            problems.append(Problem(page.file, 0, ERROR, f"cannot read: {error.strerror}"))
            continue
        problems += _check_markup(workshop, page, text, known, liquid)
        problems += check_page(workshop, page, text, known)  # action blocks, Educates shortcodes
        if page.dialect == "killercoda":
            from .formats.killercoda import marker_problems

            problems += marker_problems(page, text)
        if page.error is None:
            rendered = render_page(page, values)
            error: ContentError | None = rendered.error
            if error is not None:
                problems.append(Problem(page.file, error.line or 0, ERROR, error.message))
            problems += check_blocks(page, text, rendered.html, known, liquid)
    if not workshop.pages:
        problems.append(Problem(str(workshop.content), 0, ERROR, "no pages (.md or .adoc files) found"))
    return sorted(set(problems))


def configure(sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser("check", help="report broken links, images, variables and markup in a workshop")
    check.add_argument("directory", type=Path, help="the workshop folder (as given to --content)")
    check.add_argument("--strict", action="store_true", help="warnings make the exit status non-zero too")
    check.add_argument("--var", action="append", default=[], metavar="NAME",
                       help="a variable name provided elsewhere (e.g. by a plugin); may be repeated")


def run(args: argparse.Namespace) -> int:
    directory: Path = args.directory
    if not directory.is_dir():
        print(f"labdeck notes check: {directory} is not a folder")
        return 2
    workshop = load_workshop(directory, workshop_file=args.deck.settings.notes.workshop_file)
    problems = check(workshop, args.var)
    for problem in problems:
        print(problem)
    errors = sum(p.level == ERROR for p in problems)
    warnings = len(problems) - errors
    print(f"{directory}: {len(workshop.pages)} pages, {errors} error(s), {warnings} warning(s)")
    return 1 if errors or (args.strict and warnings) else 0

