"""YAML front matter (``---`` fenced, at the top of a page), with line numbers for errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` semantics (plain data only), with libyaml's loader when PyYAML has it (ten
    times faster on a 1,000-module modules.yaml). PyYAML loads with the first YAML read, not at
    labdeck's start (so do the other ``import yaml`` in functions of this package)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader



class ContentError(Exception):
    """A problem in an author's file; ``line`` is 1-based when known."""

    def __init__(self, message: str, file: str = "", line: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __reduce__(self):  # pickled to and from the render worker with its file and line
        return (ContentError, (self.message, self.file, self.line))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}" if where else self.message


@dataclass
class Source:
    """A page file split into its front matter and its body.

    ``body_line`` is the 1-based line of the file where the body starts, so a
    problem found in the body can be reported at its line in the file.
    """

    meta: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    error: ContentError | None = None


def split_front_matter(text: str, file: str = "") -> Source:
    """Split ``text``; a broken front matter block gives a ``Source`` with ``error`` set
    and the whole text after the block as body, so the page can still say what is wrong."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    opener = lines[0].rstrip() if lines else ""
    if opener not in ("---", "+++"):
        return Source(body=text)
    closers = ("+++",) if opener == "+++" else ("---", "...")
    for end in range(1, len(lines)):
        if lines[end].rstrip() in closers:
            break
    else:
        return Source(body=text, error=ContentError(f"front matter opened with {opener!r} is never closed", file, 1))
    block = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1:])
    body_line = end + 2
    if opener == "+++":  # TOML, as Hugo reads it (Educates workshops)
        return _toml_front_matter(block, body, body_line, file)
    import yaml

    try:
        meta = load_yaml(block) if block.strip() else {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error)
        return Source(body=body, body_line=body_line,
                      error=ContentError(f"malformed front matter: {problem}", file, line))
    if not isinstance(meta, dict):
        return Source(body=body, body_line=body_line,
                      error=ContentError("front matter must be a mapping of Key: value lines", file, 2))
    return Source(meta={str(k): v for k, v in meta.items()}, body=body, body_line=body_line)


def _toml_front_matter(block: str, body: str, body_line: int, file: str) -> Source:
    import tomllib  # Educates' Hugo pages only

    try:
        meta = tomllib.loads(block)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"line (\d+)", str(error))
        return Source(body=body, body_line=body_line,
                      error=ContentError(f"malformed TOML front matter: {error}", file,
                                         int(line.group(1)) + 1 if line else 1))
    return Source(meta=meta, body=body, body_line=body_line)


def meta_line(text: str, key: str) -> int | None:
    """The 1-based line where front matter ``key`` is set, for reports."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() in ("---", "..."):
            return None
        if line.split(":", 1)[0].strip() == key:
            return number
    return None
