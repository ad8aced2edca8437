"""``labdeck notes check DIR``: what an author should fix, each with file and line.

Errors (exit status 1): NextPage/PrevPage targets that do not exist, navigation cycles,
missing images, malformed front matter or YAML, modules without a page file, pages
that fail to render. Warnings (exit 0 unless ``--strict``): pages the navigation never
reaches, unknown ``%variables%``, unknown code-block annotations.
"""

from __future__ import annotations

import argparse
import posixpath
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pygments.lexers import find_lexer_class_by_name
from pygments.util import ClassNotFound

from .asciidoc_render import block_roles
from .codeblocks import ANNOTATIONS
from .files import safe_file
from .frontmatter import ContentError, meta_line, split_front_matter
from .problems import ERROR, WARNING, Problem
from .render import render_page
from .variables import BUILTIN_NAMES, VARIABLE
from .workshop import Page, Workshop, load_workshop

# as superfences reads them: an info string is a word and maybe {attributes}
# (a Killercoda closing fence may carry a marker: ```{{exec}})
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[\w#.+-]*\s*(?:\{[^}]*\})?)\s*"
                    r"(?:\{\{[^{}]*\}\})?\s*$")
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


def _check_markup(workshop: Workshop, page: Page, text: str, known: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    fence: str | None = None
    for number, line in _body_lines(text):
        for name in VARIABLE.findall(line):
            if name not in known:
                problems.append(Problem(page.file, number, WARNING,
                                        f"unknown variable %{name}% (it is shown as written)"))
        if page.format == "md":
            match = _FENCE.match(line)
            if match:
                if fence is None:
                    fence = match.group("fence")
                    info = match.group("info").split("{")[0].strip().split()
                    word = info[0] if info else ""
                    if word not in ANNOTATIONS and not _known_language(word):
                        known_words = ", ".join(ANNOTATIONS)
                        problems.append(Problem(page.file, number, WARNING,
                                                f"unknown code-block annotation {word!r} (known: {known_words})"))
                elif match.group("fence")[0] == fence[0] and len(match.group("fence")) >= len(fence) \
                        and not match.group("info"):
                    fence = None
                continue
            if fence is not None:
                continue
            sources = _MD_IMAGE.findall(line) + _HTML_IMAGE.findall(line)
        else:
            attributes = _ADOC_ATTRIBUTES.match(line)
            if attributes:
                _, _, roles = block_roles(attributes.group(1))
                for role in roles:
                    if role.startswith(("execute", "copy")) and role not in ANNOTATIONS:
                        problems.append(Problem(page.file, number, WARNING, f"unknown code-block role {role!r}"))
            sources = _ADOC_IMAGE.findall(line) + _HTML_IMAGE.findall(line)
        for src in sources:
            problem = _missing_image(workshop, page, src)
            if problem:
                problems.append(Problem(page.file, number, ERROR, problem))
    return problems


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
    for page in workshop.pages.values():
        if page.index is None:
            why = ("not activated in the workshop file" if workshop.layout == "modules"
                   else "no NextPage chain from the first page reaches it")
            problems.append(Problem(page.file, 0, WARNING, f"page is unreachable: {why}"))
    return problems


def check_workshop(root: Path, extra_names: Iterable[str] = ()) -> list[Problem]:
    """Every problem found in the workshop at ``root``."""
    return check(load_workshop(root), extra_names)


def check(workshop: Workshop, extra_names: Iterable[str] = ()) -> list[Problem]:
    problems = list(workshop.problems)
    known = set(BUILTIN_NAMES) | workshop.known_names | set(workshop.config_vars) | set(extra_names)
    problems += _check_navigation(workshop)
    for page in workshop.pages.values():
        try:
            text = page.path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            problems.append(Problem(page.file, 0, ERROR, f"cannot read: {error.strerror}"))
            continue
        problems += _check_markup(workshop, page, text, known)
        if page.dialect == "killercoda":
            from .formats.killercoda import marker_problems

            problems += marker_problems(page, text)
        if page.error is None:
            rendered = render_page(page, {})
            error: ContentError | None = rendered.error
            if error is not None:
                problems.append(Problem(page.file, error.line or 0, ERROR, error.message))
    if not workshop.pages:
        problems.append(Problem(str(workshop.content), 0, ERROR, "no pages (.md or .adoc files) found"))
    return sorted(set(problems))


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="notes_command", required=True, metavar="ACTION")
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

