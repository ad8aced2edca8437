"""Variable values from requests and identities never become markup (escaping.py)."""

from __future__ import annotations

import re
import shutil
import string
import textwrap
from html import unescape
from pathlib import Path

from labdeck_notes.escaping import attribute_escape
from labdeck_notes.render import render_page
from labdeck_notes.workshop import load_workshop

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "workshop"
ATTACK = """<img src=x onerror=alert(1)>"'`${x}</script><script>alert(2)</script>"""


def page_of(tmp_path: Path, name: str, text: str):
    (tmp_path / name).write_text(textwrap.dedent(text).lstrip("\n"))
    workshop = load_workshop(tmp_path)
    return workshop, workshop.pages[name.rsplit(".", 1)[0]]


def no_markup_from(value: str, html: str) -> None:
    """No tag or attribute the value could have made: its markup never appears unescaped."""
    assert "<img src=x" not in html and "<script>alert" not in html and "onerror=alert" not in html.replace(
        "onerror=alert(1)&gt;", "")


def test_a_user_name_with_markup_does_not_run_script(tmp_path):
    _, page = page_of(tmp_path, "p.md", """
        # Hello %username%

        You are **%username%**, `%username%` in code. [profile](%username%) ![%username%](%username%.png)

        <a href="/x" title="%username%" data-u=%username% onclick="hello('%username%')">raw HTML</a>
        <script>var user = "%username%";</script>
        <div style="content: '%username%'">styled</div>

        ```execute
        echo "%username%"
        ```

        ```bash
        echo "%username%"
        ```
        """)
    html = render_page(page, {"username": ATTACK}).html
    no_markup_from(ATTACK, html)
    assert "You are <strong>&lt;img src=x onerror=alert(1)&gt;&quot;&#x27;`${x}&lt;/script&gt;" in html
    # the execute block shows and sends the literal name (the page script sends textContent)
    code = re.search(r'data-action="terminal:execute".*?<code>(.*?)</code>', html, re.S).group(1)
    assert unescape(code) == f'echo "{ATTACK}"'
    highlighted = re.search(r'<div class="highlight"><pre><span></span><code>(.*?)</code>', html, re.S).group(1)
    assert unescape(re.sub(r"<[^>]+>", "", highlighted)).strip() == f'echo "{ATTACK}"'
    # in a script only as \\u escapes, in handlers and styles escaped before HTML-decoding
    script = re.search(r"<script>var user = \"(.*?)\";</script>", html).group(1)
    assert re.fullmatch(r"[A-Za-z0-9_ \\]*", script) and "\\u003c" in script
    assert "onclick=\"hello('&#x5c;u003cimg" in html
    assert 'data-u=&#x3c;img&#x20;src&#x3d;x' in html  # unquoted attribute: no way out of it


def test_a_user_name_that_is_a_javascript_url_is_no_link_to_script(tmp_path):
    _, page = page_of(tmp_path, "p.md", "[me](%username%) <a href='%username%'>raw</a> [ok](%console_url%/k8s)\n")
    html = render_page(page, {"username": " JavaScript:alert(1)", "console_url": "/user/a/console"}).html
    assert 'href="./&#x20;JavaScript:alert&#x28;1&#x29;"' in html
    assert "href='./&#x20;JavaScript:alert" in html
    assert 'href="/user/a/console/k8s"' in html
    assert "javascript:alert" not in unescape(html).lower().replace("./ javascript:alert", "")


def test_an_asciidoc_page_escapes_user_names_in_attributes_and_text(tmp_path):
    _, page = page_of(tmp_path, "p.adoc", """
        = Title

        Hello {username} and %username%.

        [source,bash,role=execute]
        ----
        echo "%username%" ${HOME}
        ----
        """)
    html = render_page(page, {"username": ATTACK}).html
    no_markup_from(ATTACK, html)
    assert html.count("Hello &lt;img src=x onerror=alert(1)&gt;") == 1
    code = re.search(r'data-action="terminal:execute".*?<code>(.*?)</code>', html, re.S).group(1)
    assert unescape(code) == f'echo "{ATTACK}" ${{HOME}}'  # and ${HOME} no longer drops the line


def test_only_author_declared_html_variables_are_markup(tmp_path, monkeypatch):
    shutil.copytree(EXAMPLE, tmp_path / "w")
    modules = tmp_path / "w" / "workshop" / "modules.yaml"
    modules.write_text(modules.read_text().replace("config:\n    vars:\n", (
        "config:\n    vars:\n"
        "    - name: BANNER\n      value: '<em class=\"banner\">hi</em>'\n      html: true\n"
        "    - name: FROM_ENV\n      value: '<em>default</em>'\n      html: true\n"
        "    - name: PLAIN\n      value: '<em>not declared</em>'\n")))
    page = tmp_path / "w" / "workshop" / "content" / "finish.md"
    page.write_text("%BANNER% %FROM_ENV% %PLAIN%\n")
    monkeypatch.setenv("FROM_ENV", "<img src=x onerror=alert(1)>")
    workshop = load_workshop(tmp_path / "w")
    assert workshop.html_vars == {"BANNER"}  # an environment value is never taken as HTML
    values = dict(workshop.config_vars)
    html = render_page(workshop.pages["finish"], values, workshop.html_vars).html
    assert '<em class="banner">hi</em>' in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;em&gt;not declared&lt;/em&gt;" in html


async def test_hub_and_oidc_values_from_plugins_are_escaped(tmp_path, labdeck_client):
    import labdeck_notes
    from labdeck import hookimpl

    class Claims:  # what an identity provider's plugin hands the notes
        @hookimpl
        def workshop_variables(self, request):
            return {"oidc_email": ATTACK, "hub_user": "<svg onload=alert(3)>"}

    (tmp_path / "index.md").write_text("Mail %oidc_email%, user %hub_user%.\n\n```execute\necho %hub_user%\n```\n")
    client = await labdeck_client({"notes": labdeck_notes, "claims": Claims()}, auth="none", content=tmp_path)
    html = await (await client.get("/notes/")).text()
    no_markup_from(ATTACK, html)
    assert "<svg" not in html and "user &lt;svg onload=alert(3)&gt;." in html
    assert "<code>echo &lt;svg onload=alert(3)&gt;</code>" in html


async def test_markup_an_attendee_writes_beside_the_pages_is_served_in_a_sandbox(notes_client, tmp_path):
    """A terminal away, an attendee can drop HTML or SVG into the workshop folder; served as our
    own origin it could script labdeck (or, under one hub domain, another attendee's)."""
    (tmp_path / "01-intro.md").write_text("# Intro\n\n![logo](logo.png)\n")
    (tmp_path / "evil.html").write_text("<script>fetch('../../terminal/')</script>")
    (tmp_path / "evil.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    client = await notes_client(tmp_path)
    for name in ("evil.html", "evil.svg"):
        response = await client.get(f"/notes/{name}")
        policies = response.headers.getall("Content-Security-Policy", [])
        assert response.status == 200 and any(p.startswith("sandbox") for p in policies), name
        assert not any("allow-same-origin" in p for p in policies)
    image = await client.get("/notes/logo.png")
    assert image.status == 200
    assert not any("sandbox" in p for p in image.headers.getall("Content-Security-Policy", []))


def test_a_user_name_with_markup_through_liquid_does_not_run_script(tmp_path):
    (tmp_path / "workshop" / "content").mkdir(parents=True)
    (tmp_path / "workshop" / "modules.yaml").write_text(
        "config:\n  template_engine: liquid.js\nmodules:\n  p:\n    name: P\n")
    (tmp_path / "workshop" / "content" / "p.md").write_text(textwrap.dedent("""
        # Hello {{ username }}

        You are **{{username}}**, {{ username | upcase }} loudly. [profile]({{ username }})

        <a href="/x" title="{{ username }}" onclick="hello('{{ username }}')">raw HTML</a>
        <script>var user = "{{ username }}";</script>

        ```execute
        echo "{{ username }}"
        ```
        """).lstrip("\n"))
    page = load_workshop(tmp_path).pages["p"]
    assert page.template_engine == "liquid.js"
    html = render_page(page, {"username": ATTACK}).html
    no_markup_from(ATTACK, html)
    assert "<IMG SRC=X" not in html  # a filter's result is escaped too
    assert "You are <strong>&lt;img src=x onerror=alert(1)&gt;&quot;&#x27;`${x}&lt;/script&gt;" in html
    code = re.search(r'data-action="terminal:execute".*?<code>(.*?)</code>', html, re.S).group(1)
    assert unescape(code) == f'echo "{ATTACK}"'
    script = re.search(r"<script>var user = \"(.*?)\";</script>", html).group(1)
    assert re.fullmatch(r"[A-Za-z0-9_ \\]*", script) and "\\u003c" in script


def test_every_character_that_could_end_an_attribute_value_becomes_a_reference():
    """Over every code point: quotes, spaces, ``<>=`&`` and everything else up to U+00A0 become character
    references; letters, digits, the punctuation of URLs and all from U+00A1 on are kept as they are."""
    kept = set(string.ascii_letters + string.digits + "_.,:/@+~#?%-")
    characters = [chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000]
    expected = "".join(c if c in kept or ord(c) > 0xA0 else f"&#x{ord(c):x};" for c in characters)
    assert attribute_escape("".join(characters)) == expected
