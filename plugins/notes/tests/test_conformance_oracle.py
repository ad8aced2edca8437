"""Conformance against the original renderer: what labdeck shows for every page of the
homeroom-era workshops of the corpus, compared with what openshift-homeroom/workshop-dashboard
5.0.1 (``dashboard/renderer``) produced for the same pages under the same environment.

The original's output is recorded in ``<corpus>/../oracle/homeroom/<workshop>.json`` (see its
README); it is found next to the corpus and these tests skip with it (root conftest.py). Each
workshop is served by a real ``labdeck serve`` (notes plugin only) with the oracle's environment,
and pages are read over HTTP as a browser would. Every failure names workshop, page and what
differs, so that the failing renderer can be found.

What was clickable in the original, from its browser scripts (renderer/static/js/):
workshop-markdown.js binds ``pre > code.language-{execute,execute-1,-2,-3,copy,copypaste,
copy-and-edit}`` (click on the ``pre``), workshop-asciidoc.js binds the parent of every ``.content``
inside an element with one of those classes as a role (``div.listingblock.execute-1 > .content``);
both send the clicked element's ``text().trim()``: execute blocks to terminal 1 (``-2``/``-3`` to
those terminals), the rest to the clipboard (copy-and-edit too).
"""

from __future__ import annotations

import difflib
import json
import re
import tempfile
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import pytest

from labdeck_testing import LabdeckServer, start_server

WORKSHOPS = ("lab-workshop-content", "lab-k8s-fundamentals", "lab-couchbase-operator",
             "lab-developing-with-odo", "lab-kafka-operator")

#: the environment the oracle was rendered with (oracle/README.md)
ORACLE_ENV = {
    "PROJECT_NAMESPACE": "ns-alice", "CLUSTER_SUBDOMAIN": "apps.example.com",
    "OPENSHIFT_IMAGE_REGISTRY": "registry.example.com:5000", "JUPYTERHUB_USER": "alice",
    "JUPYTERHUB_NAMESPACE": "hub-ns", "JUPYTERHUB_APPLICATION": "hub-app",
    "KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443", "URI_ROOT_PATH": "/workshop",
}
#: the attendee is alice: the original took her login from JUPYTERHUB_USER, labdeck from the
#: signed-in user (``--auth none``: the account running the server, which getpass reads from LOGNAME)
SERVE_ENV = {**ORACLE_ENV, "LOGNAME": "alice", "USER": "alice", "LABDECK_PLUGINS": "notes"}

# --- deliberate differences --------------------------------------------------------------------
# Each entry is a place where labdeck does better than the original on purpose; docs/notes.md
# ("Compared with the original") lists the same. Keyed by (workshop, page, the original's text).
#: commands whose text labdeck keeps different: {(workshop, page, original text): (labdeck text, why)}
COMMAND_IMPROVEMENTS: dict[tuple[str, str, str], tuple[str, str]] = {}
#: copy-and-edit: the original copied the text to the clipboard (handle_copy), and so does
#: labdeck (the workshops' own "using this environment" pages say so); the text must be the same.
COPY_AND_EDIT_ACTIONS = ("workshop:copy",)
#: ``<ctrl+c>`` in an execute block: the original typed the text into the terminal, where its
#: dashboard turned it into an interrupt; labdeck posts terminal:interrupt to the same terminal.
INTERRUPTS = ("<ctrl-c>", "<ctrl+c>")
#: labdeck's own URL layout: the original's dashboard put console, terminal and slides beside the
#: notes at the root; labdeck serves them under its prefix (docs/notes.md, Variables). A link the
#: original built from one of these variables must lead to the same place under labdeck's value.
URL_VARIABLES = {"console_url": "/workshop/console", "terminal_url": "/workshop/terminal",
                 "slides_url": "/workshop/notes/slides", "base_url": "/workshop/notes"}

# --- a small HTML tree (stdlib parser) ----------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
        "track", "wbr"}


@dataclass(eq=False)
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)
    parent: Node | None = None

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text() for child in self.children)

    def iter(self) -> Iterator[Node]:
        """This node and every element below it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def ancestors(self) -> Iterator[Node]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def find(self, tag: str | None = None, cls: str | None = None) -> Node | None:
        return next(self.find_all(tag, cls), None)

    def find_all(self, tag: str | None = None, cls: str | None = None) -> Iterator[Node]:
        return (node for node in self.iter()
                if (tag is None or node.tag == tag) and (cls is None or cls in node.classes))


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#root")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, parent=self.current))

    def handle_endtag(self, tag: str) -> None:
        for node in [self.current, *self.current.ancestors()]:
            if node.tag == tag:
                self.current = node.parent or self.root
                return  # an end tag without its start is ignored, as browsers do

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


# --- clickable commands --------------------------------------------------------------------------

#: annotation -> (labdeck action, terminal session) as the original's scripts bound them
ORIGINAL_ANNOTATIONS = {
    "execute": ("terminal:execute", "1"), "execute-1": ("terminal:execute", "1"),
    "execute-2": ("terminal:execute", "2"), "execute-3": ("terminal:execute", "3"),
    "copy": ("workshop:copy", None), "copypaste": ("workshop:copy", None),
    "copy-and-edit": ("workshop:copy", None),
}


@dataclass(frozen=True)
class Command:
    annotation: str  #: the original's annotation, or labdeck's data-action
    action: str
    session: str | None
    text: str

    def __str__(self) -> str:
        where = f" in terminal {self.session}" if self.session else ""
        return f"{self.annotation} ({self.action}{where}) {self.text!r}"


def original_commands(html: str) -> list[Command]:
    """What the original made clickable, in page order, with the text a click sent."""
    found: list[Command] = []
    for node in parse(html).iter():
        if node.tag == "code" and node.parent is not None and node.parent.tag == "pre":
            names = [c[len("language-"):] for c in node.classes if c.startswith("language-")]
            name = next((n for n in names if n in ORIGINAL_ANNOTATIONS), None)
        elif "content" in node.classes:  # AsciiDoc: $('.execute .content').parent()
            name = next((c for a in node.ancestors() for c in a.classes if c in ORIGINAL_ANNOTATIONS), None)
        else:
            continue
        if name is not None:
            action, session = ORIGINAL_ANNOTATIONS[name]
            found.append(Command(name, action, session, node.text().strip()))
    return found


def labdeck_commands(body: Node) -> list[Command]:
    """labdeck's clickable blocks (codeblocks.py: ``div.ld-code[data-action]``) and what notes.js sends."""
    found = []
    for node in body.find_all("div", "ld-code"):
        if "data-action" in node.attrs:
            code = node.find("code")
            action = node.attrs["data-action"]
            found.append(Command(action, action, node.attrs.get("data-session"), code.text().strip() if code else ""))
    return found


def same_click(original: Command, mine: Command) -> bool:
    """Would a click on ``mine`` do what a click on ``original`` did?"""
    if original.action == "workshop:copy":
        accepted = COPY_AND_EDIT_ACTIONS if original.annotation == "copy-and-edit" else ("workshop:copy",)
        return mine.action in accepted
    if mine.session != original.session:
        return False
    return mine.action == "terminal:execute" or (mine.action == "terminal:interrupt"
                                                 and original.text.lower() in INTERRUPTS)


# --- labdeck's pages -----------------------------------------------------------------------------

@dataclass
class Shown:
    """One page as labdeck served it."""

    url: str
    status: int
    html: str
    tree: Node = field(init=False)

    def __post_init__(self) -> None:
        self.tree = parse(self.html)

    @property
    def is_page(self) -> bool:
        return self.tree.find("span", "ld-page-title") is not None

    @property
    def title(self) -> str | None:
        node = self.tree.find("span", "ld-page-title")
        return node.text().strip() if node else None

    @property
    def exit_sign(self) -> str | None:
        node = self.tree.find("a", "ld-exit-button")
        return node.text().strip() if node else None

    @property
    def next_url(self) -> str | None:
        node = self.tree.find("a", "ld-nav-next")
        return urljoin(self.url, node.attrs["href"]) if node and node.attrs.get("href") else None

    @property
    def body(self) -> Node:
        """The page's own content: labdeck's title heading and exit button taken out."""
        main = self.tree.find("main", "ld-content") or Node("main")
        body = Node("#body")
        body.children = [c for c in main.children
                         if not (isinstance(c, Node) and ({"ld-heading", "ld-exit"} & set(c.classes)))]
        return body

    @property
    def body_html(self) -> str:
        return _serialize(self.body)


def _serialize(node: Node) -> str:
    """Enough of the node's markup to look for leftover variables (text and attribute values)."""
    parts: list[str] = []
    for child in node.children:
        if isinstance(child, str):
            parts.append(child)
        else:
            parts.append(" ".join(child.attrs.values()))
            parts.append(_serialize(child))
    return " ".join(parts)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", errors="replace")


class Served:
    """One corpus workshop under ``labdeck serve`` with the oracle's environment; pages fetched once."""

    def __init__(self, name: str, folder: Path, oracle: dict):
        self.name = name
        self.oracle = oracle
        progress = Path(tempfile.mkdtemp(prefix="labdeck-oracle-")) / "progress.sqlite"  # a fresh attendee
        self.server: LabdeckServer = start_server({**SERVE_ENV, "WORKSHOP_DIR": str(folder),
                                                   "LABDECK_NOTES_PROGRESS_FILE": str(progress)},
                                                  ["--auth", "none"])
        self.notes = self.server.url + "notes/"
        self._shown: dict[str, Shown] = {}
        self._status: dict[str, int] = {}
        # where the workshop starts, asked first: once pages are visited, the notes root leads to
        # the attendee's last page (labdeck keeps progress; the original did not)
        self.show(self.notes)

    def show(self, url: str) -> Shown:
        if url not in self._shown:
            status, html = get(url)
            self._shown[url] = Shown(url, status, html)
        return self._shown[url]

    def page(self, path: str) -> Shown:
        return self.show(self.notes + quote(path))

    def status(self, url: str) -> int:
        if url not in self._status:
            self._status[url] = get(url)[0]
        return self._status[url]

    @property
    def modules(self) -> list[dict]:
        return self.oracle["modules"]


@pytest.fixture(scope="module")
def served() -> Iterator[dict[str, Served]]:
    """name -> Served, started by ``workshop`` on first use and stopped after this module."""
    running: dict[str, Served] = {}
    yield running
    for item in running.values():
        item.server.stop()


@pytest.fixture
def workshop(corpus: Path, oracle: Path, served: dict[str, Served]):
    oracle_dir = oracle

    def serve(name: str) -> Served:
        if name not in served:
            file = oracle_dir / f"{name}.json"
            if not file.is_file():
                pytest.fail(f"no oracle at {file}: the original's output lives next to the corpus "
                            "(../shared/oracle, see its README)")
            served[name] = Served(name, corpus / name, json.loads(file.read_text(encoding="utf-8")))
        return served[name]

    return serve


def report(differences: list[str], what: str) -> None:
    assert not differences, f"{len(differences)} {what}:\n  " + "\n  ".join(differences)


# --- the comparisons -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", WORKSHOPS)
def test_the_pages_titles_and_exit_signs_are_the_originals(name, workshop):
    site = workshop(name)
    differences = []
    expected = []
    for position, module in enumerate(site.modules):
        last = position == len(site.modules) - 1
        # the original's default buttons (views/page.liquid): Continue, and Home on the last page
        expected.append((module["path"], module["title"], module["exit_sign"] or ("Home" if last else "Continue")))
    start = site.show(site.notes)
    if not start.is_page or start.title != site.modules[0]["title"]:
        differences.append(f"{name}: the workshop's start ({site.notes}) shows "
                           f"{repr(start.title) if start.is_page else 'a generated overview'}, "
                           f"the original showed the first module {site.modules[0]['title']!r}")
    walked = []
    url: str | None = site.notes + quote(site.modules[0]["path"])
    while url and len(walked) <= len(expected) + 5 and url not in [w[0] for w in walked]:
        shown = site.show(url)
        if shown.status != 200:
            differences.append(f"{name}: {url} answered {shown.status}")
            break
        walked.append((url, shown))
        url = shown.next_url
    got = [(url[len(site.notes):], shown.title, shown.exit_sign) for url, shown in walked]
    if got != expected:
        diff = difflib.unified_diff([" | ".join(map(str, e)) for e in expected], [" | ".join(map(str, g)) for g in got],
                                    "original (path | title | exit sign)", "labdeck", lineterm="", n=1)
        differences.append(f"{name}: the page sequence differs:\n    " + "\n    ".join(diff))
    report(differences, "differences in page order, titles or exit signs")


@pytest.mark.parametrize("name", WORKSHOPS)
def test_every_command_of_the_original_is_clickable_with_the_same_text(name, workshop):
    site = workshop(name)
    differences = []
    for module in site.modules:
        path = module["path"]
        shown = site.page(path)
        if shown.status != 200:
            differences.append(f"{name}/{path}: the page answered {shown.status}")
            continue
        mine = labdeck_commands(shown.body)
        start = 0
        for number, original in enumerate(original_commands(module["html"]), 1):
            expected_text, _why = COMMAND_IMPROVEMENTS.get((name, path, original.text), (original.text, ""))
            wanted = Command(original.annotation, original.action, original.session, expected_text)
            match = next((i for i in range(start, len(mine))
                          if mine[i].text == wanted.text and same_click(wanted, mine[i])), None)
            if match is not None:
                start = match + 1
                continue
            same_text = [m for m in mine if m.text == wanted.text]
            if same_text:
                differences.append(f"{name}/{path}: command {number}, {original}: labdeck's block does "
                                   f"something else: {same_text[0]}")
                continue
            closest = difflib.get_close_matches(wanted.text, [m.text for m in mine], n=1, cutoff=0.5)
            shown_as = f"; closest labdeck block: {closest[0]!r}" if closest else "; no such block in labdeck"
            differences.append(f"{name}/{path}: command {number}, {original}, is not clickable with that text"
                               + shown_as)
    report(differences, "commands of the original that are not clickable the same way in labdeck")


HEADING = ("h1", "h2", "h3", "h4", "h5", "h6")


@pytest.mark.parametrize("name", WORKSHOPS)
def test_every_page_has_at_least_the_originals_headings(name, workshop):
    site = workshop(name)
    differences = []
    for module in site.modules:
        shown = site.page(module["path"])
        original = [n.text().strip() for n in parse(module["html"]).iter() if n.tag in HEADING]
        mine = [n.text().strip().rstrip("#").strip() for n in shown.body.iter() if n.tag in HEADING]
        if len(mine) < len(original):
            missing = [h for h in original if h not in mine]
            differences.append(f"{name}/{module['path']}: {len(mine)} headings, the original had {len(original)}"
                               f" (missing: {missing})")
    report(differences, "pages with fewer headings than the original")


VARIABLE_TOKEN = re.compile(r"%[A-Za-z_][\w-]*%|\{\{-?\s*[A-Za-z_][\w.]*\s*-?\}\}")


@pytest.mark.parametrize("name", WORKSHOPS)
def test_no_variable_is_left_that_the_original_filled_in(name, workshop):
    site = workshop(name)
    differences = []
    for module in site.modules:
        shown = site.page(module["path"])
        original = Counter(VARIABLE_TOKEN.findall(_serialize(parse(module["html"]))))
        mine = Counter(VARIABLE_TOKEN.findall(shown.body_html))
        for token, count in sorted((mine - original).items()):
            differences.append(f"{name}/{module['path']}: {token} shown as written {count} time(s); "
                               "the original filled it in")
    report(differences, "variables left as written")


def _images(body: Node) -> list[str]:
    return [n.attrs.get("src", "") for n in body.find_all("img")]


@pytest.mark.parametrize("name", WORKSHOPS)
def test_every_image_of_the_original_shows(name, workshop):
    site = workshop(name)
    differences = []
    for module in site.modules:
        path = module["path"]
        shown = site.page(path)
        mine = _images(shown.body)
        for src in _images(parse(module["html"])):
            if not any(own == src or own.endswith("/" + src.lstrip("./")) for own in mine):
                differences.append(f"{name}/{path}: image {src!r} of the original is not on the page")
        for src in mine:
            url = urljoin(shown.url, src)
            if urlsplit(url).netloc != urlsplit(site.notes).netloc:
                continue  # on another site, as in the original
            status = site.status(url)
            if status != 200:
                differences.append(f"{name}/{path}: image {src!r} answers {status} ({url})")
    report(differences, "images that do not show")


def _links(root: Node) -> list[str]:
    return [n.attrs["href"] for n in root.find_all("a") if n.attrs.get("href")
            and not n.attrs["href"].startswith("#") and "ld-nav" not in " ".join(n.classes)]


def _labdeck_href(href: str, oracle_values: dict[str, str]) -> str:
    """The original's link as labdeck should write it (its URL variables at labdeck's values)."""
    for name, value in sorted(oracle_values.items(), key=lambda item: -len(item[1])):
        if name in URL_VARIABLES and value and (href == value or href.startswith((value + "/", value + "#"))):
            return URL_VARIABLES[name] + href[len(value):]
    return href


@pytest.mark.parametrize("name", WORKSHOPS)
def test_every_link_of_the_original_is_on_the_page(name, workshop):
    site = workshop(name)
    values = {v["name"]: v["content"] for v in site.oracle["variables"]}
    differences = []
    for module in site.modules:
        shown = site.page(module["path"])
        mine = Counter(_links(shown.body))
        wanted = Counter(_labdeck_href(href, values) for href in _links(parse(module["html"])))
        differences += [f"{name}/{module['path']}: link {href!r} of the original is not on the page"
                        for href in (wanted - mine).elements()]
    report(differences, "links missing")


def _icons(body: Node) -> list[tuple[str, ...]]:
    return [tuple(sorted(n.classes)) for n in body.iter() if any(c.startswith("fa-") for c in n.classes)]


@pytest.mark.parametrize("name", WORKSHOPS)
def test_the_originals_content_icons_are_on_the_page(name, workshop):
    site = workshop(name)
    differences = []
    for module in site.modules:
        shown = site.page(module["path"])
        missing = Counter(_icons(parse(module["html"]))) - Counter(_icons(shown.body))
        differences += [f"{name}/{module['path']}: icon <span class={' '.join(icon)!r}> of the original is missing"
                        for icon in missing.elements()]
    report(differences, "content icons missing")


def test_content_icons_are_drawn_by_font_awesome_in_chromium(workshop, chromium):
    """A sample: the pages whose text shows an icon (the "how to use" pages: "click on any
    command which has the <play icon> icon")."""
    differences = []
    checked = 0
    page = chromium.new_page()
    try:
        for name in WORKSHOPS:
            site = workshop(name)
            for module in site.modules:
                if not _icons(parse(module["html"])):
                    continue
                page.goto(site.notes + quote(module["path"]))
                drawn = page.evaluate("""() => Array.from(document.querySelectorAll('main [class*="fa-"]'))
                    .map(el => { const before = getComputedStyle(el, '::before');
                                 return {cls: el.className, content: before.content,
                                         font: before.fontFamily, width: el.getBoundingClientRect().width}; })""")
                checked += 1
                if not drawn:
                    differences.append(f"{name}/{module['path']}: no fa-* element on the page")
                for icon in drawn:
                    if icon["content"] in ("none", "normal", '""') or "Font Awesome" not in icon["font"] \
                            or icon["width"] <= 0:
                        differences.append(f"{name}/{module['path']}: icon {icon['cls']!r} is not drawn "
                                           f"(::before content {icon['content']}, font {icon['font']!r}, "
                                           f"width {icon['width']})")
    finally:
        page.close()
    assert checked, "no page of the oracle shows a content icon: the sample is empty"
    report(differences, "content icons not drawn")


@pytest.mark.parametrize("name", WORKSHOPS)
def test_notes_check_raises_no_false_alarm_on_the_homeroom_workshops(name, corpus):
    """These workshops worked in the original: no errors, and no unknown variable or annotation."""
    from labdeck_notes.check import check_workshop

    problems = [str(p) for p in check_workshop(corpus / name)]
    assert [p for p in problems if ": error: " in p or "unknown" in p] == []
