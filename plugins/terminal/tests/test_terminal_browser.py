"""The terminal page in real Chromium: typing, reading the screen, reload, the action bus."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal

import pytest
from terminal_helpers import SCREEN, children_of, screen_has, short_dir, wait_for


@pytest.fixture
def folder():
    path = short_dir()
    (path / "home").mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def start(labdeck_server, folder, **extra: str):
    env = {"LABDECK_RUNTIME_DIR": str(folder), "URI_ROOT_PATH": "/user/alice/", "TERMINAL_HOME": str(folder / "home"),
           "LABDECK_TERMINAL_PROFILE_DIRS": str(folder / "profile.d"), "LABDECK_PLUGINS": "terminal",
           "HOME": str(folder / "home"), **extra}  # shells do not run the dotfiles of whoever runs the tests
    return labdeck_server(env=env)


def signed_in_terminal(chromium, server):
    """A new browser context, signed in, on the terminal page once it is connected."""
    context = chromium.new_context(viewport={"width": 900, "height": 500})
    page = context.new_page()
    page.goto(f"{server.url}?token={server.token}")
    page.wait_for_function("() => window.labdeckTerminal && window.labdeckTerminal.state === 'connected'")
    return context, page


def post(page, action: str, **args: str) -> None:
    page.evaluate("([action, args]) => window.postMessage({labdeck: 1, action, args}, location.origin)", [action, args])


def test_type_read_reload_and_drive_through_the_action_bus(labdeck_server, folder, chromium):
    server = start(labdeck_server, folder)
    context = chromium.new_context(viewport={"width": 900, "height": 500})
    page = context.new_page()
    page.goto(f"{server.url}?token={server.token}")  # signs in, then / lands on the terminal
    assert page.url.endswith("/user/alice/terminal/session/1")
    page.wait_for_function("() => window.labdeckTerminal && window.labdeckTerminal.state === 'connected'")
    page.keyboard.type("echo $((6*7))")
    page.keyboard.press("Enter")
    screen_has(page, "42")

    post(page, "terminal:execute", session="2", command="echo wrong-$((1+1))")  # another session's
    post(page, "terminal:execute", session="1", command="echo bus-$((2+3))")
    screen_has(page, "bus-5")
    assert "wrong-2" not in page.evaluate(SCREEN)
    post(page, "terminal:input", text="read -p waiting-$((1+1))- answer")
    post(page, "terminal:input", text="\r")
    page.wait_for_function(f"() => ({SCREEN})().includes('waiting-2-')")
    post(page, "terminal:interrupt")  # read is a builtin: Ctrl-C reaches it with no fork race
    # bash drops typed-ahead input when it handles SIGINT: wait for its new prompt
    page.wait_for_function(f"""() => {{
        const lines = ({SCREEN})().split('\\n').map(l => l.trim()).filter(Boolean);
        return lines.at(-2)?.includes('waiting-2-^C') && /[$#]$/.test(lines.at(-1));
    }}""")
    page.evaluate("window.labdeckTerminal.execute('echo api-$((3+4))')")
    screen_has(page, "api-7")
    post(page, "terminal:clear")  # clears this view only
    page.wait_for_function(f"() => !({SCREEN})().includes('api-7')")

    size = page.evaluate("window.labdeckTerminal.term.options.fontSize")
    page.hover("#terminal")
    page.click("#toolbar [data-do=larger]")
    assert page.evaluate("window.labdeckTerminal.term.options.fontSize") == size + 1

    # a flood: the page keeps up (flow control), and Ctrl-C from the keyboard stops it
    page.keyboard.type("yes labdeck-flood")
    page.keyboard.press("Enter")
    screen_has(page, "labdeck-flood")
    page.keyboard.press("Control+C")
    page.wait_for_function(f"() => /[$#]$/.test(({SCREEN})().trim().split('\\n').at(-1).trim())")
    page.keyboard.type("echo calm-$((9*9))")
    page.keyboard.press("Enter")
    screen_has(page, "calm-81")

    page.reload()
    page.wait_for_function("() => window.labdeckTerminal.state === 'connected'")
    screen_has(page, "calm-81")  # the scrollback came back
    assert page.evaluate("window.labdeckTerminal.term.options.fontSize") == size + 1  # remembered
    page.keyboard.type("exit")
    page.keyboard.press("Enter")
    page.wait_for_selector("#restart", state="visible")
    assert "Session ended" in page.inner_text("#status")
    page.click("#restart")
    page.wait_for_function("() => window.labdeckTerminal.state === 'connected'")
    page.keyboard.type("echo new-$((8*8))")
    page.keyboard.press("Enter")
    screen_has(page, "new-64")
    context.close()


def test_an_executed_command_reports_its_start_end_and_status_but_typed_ones_do_not(labdeck_server, folder,
                                                                                     chromium):
    server = start(labdeck_server, folder)
    context, page = signed_in_terminal(chromium, server)
    # the dashboard frames the terminal; here a same-origin parent page stands in for it and keeps
    # what the terminal reports on the bus
    page.set_content("")
    page.evaluate("""url => new Promise(done => {
        window.results = [];
        window.addEventListener('message', e => {
            if (e.data.action === 'terminal:result') results.push(e.data.args);
        });
        const frame = document.createElement('iframe');
        frame.style.width = '800px'; frame.style.height = '400px';
        frame.onload = done; frame.src = url; document.body.append(frame);
    })""", f"{server.url}terminal/session/1")
    frame = page.frames[1]
    frame.wait_for_function("() => window.labdeckTerminal && window.labdeckTerminal.state === 'connected'")
    frame.evaluate("window.labdeckTerminal.focus()")
    page.keyboard.type("false; echo typed-$((2*3))")  # typed by hand: no result
    page.keyboard.press("Enter")
    frame.wait_for_function(f"() => ({SCREEN})().includes('typed-6')")
    post(frame, "terminal:execute", command="sleep 1; true", id="b1")
    page.wait_for_function("() => results.some(r => r.id === 'b1' && r.state === 'running')")
    page.wait_for_function("() => results.some(r => r.id === 'b1' && r.state === 'passed')")
    post(frame, "terminal:execute", command="false", id="b2")
    page.wait_for_function("() => results.some(r => r.id === 'b2' && r.state === 'failed')")
    results = page.evaluate("results")
    assert {r["id"] for r in results} == {"b1", "b2"}  # the hand-typed false reported nothing
    passed = next(r for r in results if r["id"] == "b1" and r["state"] == "passed")
    assert passed["code"] == 0 and passed["seconds"] > 0.5 and passed["session"] == "1"  # about the sleep
    assert next(r for r in results if r["state"] == "failed")["code"] == 1
    frame.evaluate("window.before = true; location.reload()")  # the replay holds old marks: no reports again
    # the reloaded page (not the old one, still connected until it unloads) has connected
    page.wait_for_function("() => !window.frames[0].before && window.frames[0].labdeckTerminal?.state === 'connected'")
    count = len(page.evaluate("results"))
    post(page.frames[1], "terminal:execute", command="true", id="b3")
    page.wait_for_function("() => results.some(r => r.id === 'b3' && r.state === 'passed')")
    assert len(page.evaluate("results")) == count + 2
    context.close()


def test_after_a_terminal_server_crash_the_page_offers_a_new_session(labdeck_server, folder, chromium):
    server = start(labdeck_server, folder)
    context, page = signed_in_terminal(chromium, server)
    page.keyboard.type("echo before-$((20+22))")
    page.keyboard.press("Enter")
    screen_has(page, "before-42")
    [terminal_server] = children_of(server.process.pid)
    os.kill(terminal_server, signal.SIGKILL)  # core restarts it; the shell died with it
    page.wait_for_selector("#restart", state="visible")
    assert "restarted" in page.inner_text("#status")
    wait_for(lambda: children_of(server.process.pid) not in ([], [terminal_server]))
    page.click("#restart")
    page.wait_for_function("() => window.labdeckTerminal.state === 'connected'")
    page.keyboard.type("echo after-$((5+5))")
    page.keyboard.press("Enter")
    screen_has(page, "after-10")
    context.close()


#: the screen as xterm.js holds it, whichever renderer draws it (WebGL has no rows in the page)
BUFFER_SCREEN = """() => {
    const term = window.labdeckTerminal.term, buffer = term.buffer.active, lines = [];
    for (let y = 0; y < term.rows; y++) lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? "");
    return lines.join("\\n");
}"""


#: how many lines above the one given are `seq`'s numbers counting down to it, from the scrollback
COUNTED = """(last) => {
    const buffer = window.labdeckTerminal.term.buffer.active;
    let y = buffer.length - 1;
    while (y > 0 && buffer.getLine(y).translateToString(true).trim() !== last) y--;
    let n = 0;
    while (y - n > 0 && buffer.getLine(y - n - 1).translateToString(true).trim() === String(30000 - n)) n++;
    return n;
}"""


def test_a_software_webgl_keeps_the_dom_renderer_and_webgl_draws_a_flood_when_asked(labdeck_server, folder, chromium):
    server = start(labdeck_server, folder)
    context, page = signed_in_terminal(chromium, server)
    # headless Chromium without a GPU offers WebGL through SwiftShader: slower than the DOM renderer
    assert page.evaluate("() => !document.querySelector('script[src*=addon-webgl]') && !document.body.dataset.renderer")
    page.keyboard.type("seq 1 30000; echo dom-$((6*7))")  # frames of up to 256 KiB, written in 8 KiB pieces
    page.keyboard.press("Enter")
    screen_has(page, "dom-42")
    assert page.evaluate(COUNTED, "dom-42") > 9000  # nothing lost or reordered (the scrollback is 10000 lines)

    page.goto(f"{server.url}terminal/session/2?renderer=webgl")
    page.wait_for_function("() => document.body.dataset.renderer === 'webgl'")
    assert page.locator(".xterm-screen canvas").count() > 0 and page.locator(".xterm-rows").count() == 0
    page.wait_for_function("() => window.labdeckTerminal.state === 'connected'")
    page.keyboard.type("seq 1 30000; echo gl-$((6*7))")
    page.keyboard.press("Enter")
    screen_has(page, "gl-42", screen=BUFFER_SCREEN)
    assert page.evaluate(COUNTED, "gl-42") > 9000
    context.close()


BUTTERFLY_SCREEN = "() => document.getElementById('term').innerText"


@pytest.mark.skipif(importlib.util.find_spec("butterfly") is None, reason="pip install 'labdeck-terminal[butterfly]'")
def test_butterfly_backend_types_reloads_and_takes_the_action_bus(labdeck_server, folder, chromium):
    server = start(labdeck_server, folder, TERMINAL_BACKEND="butterfly")
    context = chromium.new_context(viewport={"width": 900, "height": 500})
    page = context.new_page()
    page.goto(f"{server.url}?token={server.token}")
    assert page.url.endswith("/user/alice/terminal/session/1")
    page.wait_for_function("() => window.butterfly && window.labdeckTerminal")
    page.wait_for_function(f"() => ({BUTTERFLY_SCREEN})().includes('$') || ({BUTTERFLY_SCREEN})().includes('#')")
    page.keyboard.type("echo $((6*7))")
    page.keyboard.press("Enter")
    screen_has(page, "42", screen=BUTTERFLY_SCREEN)
    post(page, "terminal:execute", session="1", command="echo bus-$((2+3))")
    screen_has(page, "bus-5", screen=BUTTERFLY_SCREEN)
    page.reload()
    page.wait_for_function("() => window.butterfly")
    screen_has(page, "bus-5", screen=BUTTERFLY_SCREEN)
    context.close()
