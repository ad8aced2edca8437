"""The GitHub-flavoured Markdown cases where Python-Markdown and marked (the original
renderer's engine) disagree read as marked read them.

Each fixture in gfm/ has the HTML marked 0.6.3 made of it beside it (<name>.marked.html,
recorded by gfm/record-marked.sh); the test compares the structure a reader sees:
block elements, their nesting and text, each code block as one piece of text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from labdeck_notes.markdown_render import render_markdown

FIXTURES = Path(__file__).parent / "gfm"
CASES = sorted(path.stem for path in FIXTURES.glob("*.md"))
#: what labdeck shows better than marked, as (marked's HTML, the same meaning as text):
#: marked took <ctrl-c> for an (empty, so invisible) element; labdeck shows the key
IMPROVEMENTS = {"ctrl-c-text": [("<ctrl-c>", "&lt;ctrl-c&gt;")]}
SHOWN = {"p", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "a", "b", "strong", "em",
         "code", "table", "tr", "td", "th", "hr"}


class Skeleton(HTMLParser):
    """(tag, children...) for the elements a reader sees; a ``pre`` is one ('pre', text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: list = ["root"]
        self.stack = [self.root]
        self.pre: list[str] | None = None
        self.depth = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if self.pre is not None:
            self.depth += tag == "pre"
            return
        if tag == "pre":
            self.pre, self.depth = [], 1
        elif tag in SHOWN:
            node = [tag]
            self.stack[-1].append(node)
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if self.pre is not None:
            if tag == "pre":
                self.depth -= 1
                if not self.depth:
                    self.stack[-1].append(("pre", "".join(self.pre).strip("\n")))
                    self.pre = None
            return
        if tag in SHOWN and len(self.stack) > 1 and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.pre is not None:
            self.pre.append(data)
            return
        text = re.sub(r"\s+", " ", data).strip()
        if text:
            self.stack[-1].append(text)


def skeleton(html: str) -> list:
    parser = Skeleton()
    parser.feed(html)
    parser.close()
    return parser.root


@pytest.mark.parametrize("case", CASES)
def test_markdown_reads_as_marked_did(case):
    source = (FIXTURES / f"{case}.md").read_text(encoding="utf-8")
    marked = (FIXTURES / f"{case}.marked.html").read_text(encoding="utf-8")
    for theirs, ours in IMPROVEMENTS.get(case, []):
        marked = marked.replace(theirs, ours)
    assert skeleton(render_markdown(source)) == skeleton(marked)


def test_a_list_right_after_a_paragraph_line_is_a_list():
    html = render_markdown("You need:\n- a terminal\n- a browser\n")
    assert skeleton(html) == ["root", ["p", "You need:"], ["ul", ["li", "a terminal"], ["li", "a browser"]]]


def test_an_execute_block_closed_by_a_longer_fence_ends_there():
    html = render_markdown("```execute\necho first\n````\n\nPlain prose.\n")
    assert 'data-action="terminal:execute"' in html
    assert "<code>echo first</code>" in html
    assert "<p>Plain prose.</p>" in html


def test_ctrl_c_in_prose_shows_as_text():
    assert "press &lt;ctrl+c&gt; now" in render_markdown("press <ctrl+c> now")


def test_a_shorter_fence_inside_a_longer_one_is_text_of_the_block():
    html = render_markdown("````\n```\ninner\n```\n````\n\nafter\n")
    assert skeleton(html) == ["root", ("pre", "```\ninner\n```"), ["p", "after"]]


def test_a_four_space_nested_list_still_nests():
    html = render_markdown("- a\n    - b\n- c\n")
    assert skeleton(html) == ["root", ["ul", ["li", "a", ["ul", ["li", "b"]]], ["li", "c"]]]


def test_an_indented_code_block_and_a_rule_are_left_alone():
    html = render_markdown("text\n\n    code line\n\n- - -\n\nafter\n")
    assert ("pre", "code line") in skeleton(html)
    assert "<hr" in html
