"""The code blocks of a page as its author wrote them, read the way the original renderer read
them (marked for Markdown, Asciidoctor for AsciiDoc); ``labdeck notes check`` compares them
with what labdeck renders.

Markdown, as CommonMark/marked: a fence is three or more backticks or tildes; it is closed only
by a line of the same character, at least as long, with nothing else on it; a fence never
closed runs to the end of the page. Raw ``<pre>``/``<script>``/``<style>``/``<textarea>`` blocks
hold no fences. AsciiDoc: ``----``, ``....`` and ````` ``` ````` blocks, closed by the same
delimiter; ``[source,bash,role=execute]`` / ``[.execute]`` before a block gives its roles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceBlock:
    line: int  #: file line of the opening fence or delimiter
    annotation: str  #: the fence's first word / the block's first known role ("" if none)
    text: str  #: the block's content as written
    end: int = 0  #: file line of the closing fence or delimiter (the last line when never closed)
    closed: bool = True
    substitutions: bool = False  #: AsciiDoc ``subs=``: the text is changed on purpose


_MD_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>.*?)[ \t]*$")
_HTML_BLOCK = re.compile(r"^ {0,3}<(pre|script|style|textarea)(?:\s|>|$)", re.IGNORECASE)


def markdown_blocks(lines: Iterable[tuple[int, str]]) -> Iterator[SourceBlock]:
    """Every fenced block of a Markdown body: ``lines`` are (file line number, text)."""
    fence: tuple[str, int, int, str, list[str]] | None = None  # char, length, line, annotation, content
    html_end: str | None = None
    number = 0
    for number, line in lines:
        if fence is not None:
            char, length, start, annotation, content = fence
            # a Killercoda marker may follow the closing fence: ```{{exec}}
            if re.fullmatch(rf"[ \t]*{re.escape(char)}{{{length},}}[ \t]*(?:\{{\{{[^{{}}]*\}}\}}[ \t]*)?", line):
                yield SourceBlock(start, annotation, "\n".join(content), number)
                fence = None
            else:
                content.append(line)
            continue
        if html_end is not None:
            if html_end in line.lower():
                html_end = None
            continue
        match = _MD_FENCE.match(line)
        if match and not (match.group("fence")[0] == "`" and "`" in match.group("info")):
            words = match.group("info").split("{")[0].split()
            fence = (match.group("fence")[0], len(match.group("fence")), number, words[0] if words else "", [])
            continue
        html = _HTML_BLOCK.match(line)
        if html and f"</{html.group(1).lower()}>" not in line.lower():
            html_end = f"</{html.group(1).lower()}>"
    if fence is not None:
        yield SourceBlock(fence[2], fence[3], "\n".join(fence[4]), number, closed=False)


_ADOC_ATTRIBUTES = re.compile(r"^\[(?P<list>[^\[\]]*)\]\s*$")
_ADOC_VERBATIM = re.compile(r"^(-{4,}|\.{4,}|```)\s*$")
_ADOC_SKIPPED = re.compile(r"^(/{4,}|\+{4,})\s*$")  # comment and passthrough blocks


def adoc_roles(attribute_list: str) -> list[str]:
    """``source,bash,role=execute`` / ``.execute`` / ``source.execute,bash`` -> the roles."""
    roles: list[str] = []
    for item in (item.strip() for item in attribute_list.split(",")):
        if item.startswith(("role=", "roles=")):
            roles += item.split("=", 1)[1].strip("\"'").split()
        elif "=" not in item:
            roles += [part for part in re.split(r"[#%]", item)[0].split(".")[1:] if part]
    return roles


def adoc_blocks(lines: Iterable[tuple[int, str]], annotations: Iterable[str]) -> Iterator[SourceBlock]:
    """Every verbatim block of an AsciiDoc body; ``annotations``: the roles that count."""
    known = set(annotations)
    pending: list[str] = []  # the attribute lists above the next block
    block: tuple[str, int, str, bool, list[str]] | None = None  # delimiter, line, annotation, subs, content
    paragraph: tuple[int, str, bool, list[str]] | None = None  # a [source,role=...] paragraph
    skipping: str | None = None
    number = 0
    for number, line in lines:
        if block is not None:
            delimiter, start, annotation, subs, content = block
            if line.rstrip() == delimiter:
                yield SourceBlock(start, annotation, "\n".join(content), number, substitutions=subs)
                block = None
            else:
                content.append(line)
            continue
        if skipping is not None:
            if line.rstrip() == skipping:
                skipping = None
            continue
        if paragraph is not None:
            if line.strip():
                paragraph[3].append(line)
                continue
            yield SourceBlock(paragraph[0], paragraph[1], "\n".join(paragraph[3]), number - 1,
                              substitutions=paragraph[2])
            paragraph = None
        roles = [role for attributes in pending for role in adoc_roles(attributes)]
        annotation = next((role for role in roles if role in known), "")
        subs = any(re.search(r"(^|,)\s*subs\s*=", attributes) for attributes in pending)
        attributes = _ADOC_ATTRIBUTES.match(line)
        if attributes and not line.startswith("[["):
            pending.append(attributes.group("list"))
        elif _ADOC_VERBATIM.match(line):
            block, pending = (line.rstrip(), number, annotation, subs, []), []
        elif _ADOC_SKIPPED.match(line):
            skipping, pending = line.rstrip(), []
        elif line.startswith(("//", ".")) and not line.startswith(("....", "...")) and pending:
            continue  # a comment or block title between the attributes and their block
        elif line.strip() and annotation:
            paragraph, pending = (number, annotation, subs, [line]), []
        elif line.strip() or not pending:
            pending = []
    if paragraph is not None:
        yield SourceBlock(paragraph[0], paragraph[1], "\n".join(paragraph[3]), number, substitutions=paragraph[2])
    if block is not None:
        yield SourceBlock(block[1], block[2], "\n".join(block[4]), number, closed=False, substitutions=block[3])
