"""Variable values in a rendered page, escaped for the place each one lands in.

A value filled in from a request or an identity (the user name, a hub's or an OIDC
provider's claims, a plugin's ``workshop_variables``) must never become markup. So
``%name%`` is not pasted into the page source: it becomes a placeholder (lowercase
letters with a random nonce, which Markdown, AsciiDoc, Pygments and heading slugs all
leave alone), the page is rendered, and each placeholder is then replaced by its value
escaped for its context in the finished HTML:

* code blocks: the value goes back into the block's source before it is escaped and
  highlighted, so the block shows, copies and runs the literal value;
* text (and comments, ``<title>``, ``<textarea>``): HTML-escaped;
* attribute values: every character that could end the value, quoted or not, becomes
  a character reference; in URL attributes a value that would set the URL's scheme may
  only give http(s), mailto, tel or ftp (else the URL is made relative, ``./…``);
  ``on*`` handlers and ``style`` get JavaScript / CSS escapes first, ``srcdoc`` HTML
  escapes first;
* ``<script>`` and ``<style>`` contents: JavaScript (``\\uXXXX``) / CSS (``\\XX``) escapes
  for everything but letters, digits and spaces, so inside a string literal the value
  reads as itself, and outside one it cannot call or assign anything;
* a tag name: the ``<`` is escaped, so the tag is text.

Only variables the author declared as HTML (``html: true`` in ``config.vars``), with a
value from the workshop's own files, are pasted into the source as written.
"""

from __future__ import annotations

import html
import re
import secrets
import string
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

VARIABLE = re.compile(r"%([A-Za-z_][A-Za-z0-9_]*)%")
_ACTIVE: ContextVar[Substitution | None] = ContextVar("labdeck_notes_substitution", default=None)

URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "poster", "data", "cite", "background",
                            "xlink:href", "longdesc", "manifest", "ping", "codebase", "archive", "srcset"})
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel", "ftp"})
_SCHEME = re.compile(r"\s*([A-Za-z][A-Za-z0-9+.\-]*):")
_TAG = re.compile(r"""<(/?)([A-Za-z][^\s/>]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(\s*=\s*)?("[^"]*"|'[^']*'|[^\s"'=<>`]+)?""")
_RAW_TEXT = ("script", "style")
#: every character up to U+00A0 but letters, digits and ``_.,:/@+~#?%-``: the set of the class
#: ``[^A-Za-z0-9_.,:/@+~#?%\-\u00a1-\U0010ffff]``, which took 4.5 ms to compile at every start
_ATTRIBUTE_UNSAFE = re.compile(r"(?![A-Za-z0-9_.,:/@+~#?%\-])[\x00-\xa0]")
_SCRIPT_UNSAFE = re.compile(r"[^A-Za-z0-9_ ]")


def used_names(text: str) -> set[str]:
    return set(VARIABLE.findall(text))


def text_escape(value: str) -> str:
    return html.escape(value, quote=True)


def attribute_escape(value: str) -> str:
    """Safe in a quoted and in an unquoted attribute value (and inert in a name)."""
    return _ATTRIBUTE_UNSAFE.sub(lambda m: f"&#x{ord(m.group()):x};", value)


def js_escape(value: str) -> str:
    def escape(match: re.Match[str]) -> str:
        units = match.group().encode("utf-16-be")
        return "".join(f"\\u{int.from_bytes(units[i:i + 2]):04x}" for i in range(0, len(units), 2))

    return _SCRIPT_UNSAFE.sub(escape, value)


def css_escape(value: str) -> str:
    return _SCRIPT_UNSAFE.sub(lambda m: f"\\{ord(m.group()):x} ", value)


def _letters(number: int) -> str:
    out = ""
    while True:
        number, digit = divmod(number, 26)
        out = string.ascii_lowercase[digit] + out
        if not number:
            return out


class Substitution:
    """The variables of one render: ``source`` before rendering, ``finish`` after it."""

    def __init__(self, values: Mapping[str, str], html_names: Collection[str] = ()):
        self.values = values
        self.html_names = frozenset(html_names)
        nonce = "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))
        self._prefix, self._suffix = f"zq{nonce}", "qz"
        self._pattern = re.compile(f"{self._prefix}([a-z]+){self._suffix}")
        self._by_key: dict[str, str] = {}
        self._keys: dict[str, str] = {}

    def placeholder(self, name: str) -> str:
        key = self._keys.get(name)
        if key is None:
            key = self._keys[name] = _letters(len(self._keys))
            self._by_key[key] = self.values[name]
        return f"{self._prefix}{key}{self._suffix}"

    def source(self, text: str) -> str:
        """``%name%`` -> the value (declared HTML) or a placeholder; unknown names stay."""

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.values:
                return match.group(0)
            return self.values[name] if name in self.html_names else self.placeholder(name)

        return VARIABLE.sub(replace, text)

    def attributes(self) -> dict[str, str]:
        """Every variable as an AsciiDoc attribute, as its placeholder (attribute values are pasted unescaped)."""
        return {name: value if name in self.html_names else self.placeholder(name)
                for name, value in self.values.items()}

    def literal(self, code: str) -> str:
        """The text of a code block, with the values as written (its renderer escapes it)."""
        return self._pattern.sub(lambda m: self._by_key.get(m.group(1), m.group(0)), code)

    def _replace(self, text: str, escape) -> str:
        if self._prefix not in text:
            return text
        return self._pattern.sub(lambda m: escape(self._by_key[m.group(1)]) if m.group(1) in self._by_key
                                 else m.group(0), text)

    @contextmanager
    def active(self) -> Iterator[Substitution]:
        """While rendering: code-block formatters reach this through ``literal_code``."""
        token = _ACTIVE.set(self)
        try:
            yield self
        finally:
            _ACTIVE.reset(token)

    # -- after rendering ----------------------------------------------------------------

    def finish(self, page: str) -> str:
        """Replace every placeholder in the rendered HTML, escaped for its context."""
        if not self._by_key or self._prefix not in page:
            return page
        out: list[str] = []
        position = 0
        while position < len(page):
            start = page.find("<", position)
            if start < 0:
                out.append(self._replace(page[position:], text_escape))
                break
            out.append(self._replace(page[position:start], text_escape))
            if page.startswith("<!--", start):
                end = page.find("-->", start + 4)
                end = len(page) if end < 0 else end + 3
                out.append(self._replace(page[start:end], text_escape))
                position = end
                continue
            tag = _TAG.match(page, start)
            if tag is None:
                out.append("<")
                position = start + 1
                continue
            closing, name, rest = tag.groups()
            if self._prefix in name:  # a tag whose name a value would choose is shown as text
                out.append("&lt;")
                position = start + 1
                continue
            out.append(f"<{closing}{name}{_ATTRIBUTE.sub(self._attribute, rest)}>")
            position = tag.end()
            lowered = name.lower()
            if not closing and lowered in _RAW_TEXT:
                end_tag = re.compile(rf"</{lowered}\s*>", re.IGNORECASE).search(page, position)
                end = end_tag.start() if end_tag else len(page)
                out.append(self._replace(page[position:end], js_escape if lowered == "script" else css_escape))
                position = end
        return "".join(out)

    def _attribute(self, match: re.Match[str]) -> str:
        name, equals, value = match.group(1), match.group(2) or "", match.group(3) or ""
        if self._prefix not in match.group(0):
            return match.group(0)
        name = self._replace(name, attribute_escape)
        quote = value[:1] if value[:1] in ("'", '"') else ""
        inner = value[1:-1] if quote else value
        lowered = name.lower()
        if lowered.startswith("on"):
            inner = self._replace(inner, lambda v: attribute_escape(js_escape(v)))
        elif lowered == "style":
            inner = self._replace(inner, lambda v: attribute_escape(css_escape(v)))
        elif lowered == "srcdoc":
            inner = self._replace(inner, lambda v: attribute_escape(text_escape(v)))
        elif lowered in URL_ATTRIBUTES:
            inner = self._url(inner)
        else:
            inner = self._replace(inner, attribute_escape)
        return f"{name}{equals}{quote}{inner}{quote}"

    def _url(self, inner: str) -> str:
        first = self._pattern.search(inner)
        if first is None:
            return inner
        written = _SCHEME.match(html.unescape(inner[:first.start()]))
        if written and written.group(1).lower() not in SAFE_SCHEMES:  # the author's javascript: URL
            return self._replace(inner, lambda v: attribute_escape(js_escape(v)))
        filled = self._replace(inner, attribute_escape)
        scheme = _SCHEME.match(html.unescape(filled))
        if not written and scheme and scheme.group(1).lower() not in SAFE_SCHEMES:
            return "./" + filled  # a value chose the scheme: keep it a harmless relative URL
        return filled


def literal_code(code: str) -> str:
    """A code block's text with the current render's values as written."""
    active = _ACTIVE.get()
    return active.literal(code) if active is not None else code
