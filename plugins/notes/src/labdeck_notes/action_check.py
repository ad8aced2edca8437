"""``labdeck notes check`` for action blocks and Educates pages: unknown actions, malformed YAML
bodies, fields an action does not have, unmatched sections, examiner scripts that are not
there, unknown shortcodes and data variables. Each problem names the file and line."""

from __future__ import annotations

from collections.abc import Collection

from . import actions
from .check_blocks import examiner_folder
from .escaping import VARIABLE
from .frontmatter import split_front_matter
from .problems import ERROR, WARNING, Problem
from .shortcodes import known_shortcode, shortcodes, translate, variable
from .workshop import Page, Workshop


def check_page(workshop: Workshop, page: Page, text: str, known: Collection[str]) -> list[Problem]:
    if page.format != "md":
        return []
    source = split_front_matter(text)
    lines = source.body.split("\n")
    problems: list[Problem] = []
    sections: list[int] = []
    for start, _end, word, body in actions.action_fences(lines):
        line = source.body_line + start
        if word not in actions.ACTIONS:
            problems.append(Problem(page.file, line, ERROR, f"unknown action {word!r} (see docs/actions.md)"))
            continue
        if page.dialect == "educates":
            body = translate(body, known)
        try:  # a variable is a plain word in the YAML, as when rendering (escaping.py)
            data = actions.parse(word, VARIABLE.sub("variable", body))
        except actions.ActionError as error:
            problems.append(Problem(page.file, line, ERROR, str(error)))
            continue
        unknown = actions.unknown_fields(word, data)
        if unknown:
            problems.append(Problem(page.file, line, WARNING, f"{word}: unknown field(s) {', '.join(unknown)} "
                                    f"(known: {', '.join(actions.ACTIONS[word].fields)})"))
        if word == "section:begin":
            sections.append(line)
        elif word == "section:end" and not sections:
            problems.append(Problem(page.file, line, ERROR, "section:end without a section:begin before it"))
        elif word == "section:end":
            sections.pop()
        elif word == "examiner:execute-test":
            problems += _examiner_script(workshop, page, line, str(data["name"]))
    problems += [Problem(page.file, line, ERROR, "section:begin without a section:end after it") for line in sections]
    if page.dialect == "educates":
        problems += _shortcodes(page, source.body, source.body_line, known)
    return problems


def _examiner_script(workshop: Workshop, page: Page, line: int, name: str) -> list[Problem]:
    folder = examiner_folder(workshop)
    if (folder / name).is_file():
        return []
    where = (folder / name).relative_to(workshop.root).as_posix() if folder.is_relative_to(workshop.root) else name
    return [Problem(page.file, line, ERROR, f"examiner:execute-test {name!r}: no script {where}")]


def _shortcodes(page: Page, body: str, first_line: int, known: Collection[str]) -> list[Problem]:
    problems = []
    for offset, name, params in shortcodes(body):
        line = first_line + offset - 1
        if not known_shortcode(name):
            problems.append(Problem(page.file, line, WARNING,
                                    f"unknown shortcode {{{{< {name} >}}}} (left out of the page)"))
        elif name == "param" and variable(params) not in known and params not in known:
            problems.append(Problem(page.file, line, WARNING, f"unknown data variable {params!r} in "
                                    "{{< param >}} (the page shows %" + variable(params) + "%)"))
    return problems
