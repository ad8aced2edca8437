"""The terminal server's WebSocket protocol, against a real server process and real shells."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import pytest
from terminal_helpers import Term, alive, children_of, rss_kib, wait_for

BASE = "http://terminal/"


async def attach(server, name: str = "1", **kwargs) -> Term:
    return await Term.open(BASE, name, socket_path=server.socket, **kwargs)


async def test_a_shell_answers_in_its_home_with_profile_and_prompt(terminal_server):
    server = terminal_server()
    (server.profile / "workshop.sh").write_text("export WORKSHOP_GREETING=hello-from-profile\n")
    term = await attach(server, query="cols=100&rows=30")
    assert term.hello["t"] == "hello" and term.hello["new"] is True
    await term.run("echo $((6*7))", "42\r\n")
    await term.run("echo $WORKSHOP_GREETING $TERM", "hello-from-profile xterm-256color")
    await term.run("pwd; tty; stty size", rf"{server.home}\r\n/dev/pts/\d+\r\n30 100")
    assert f"{os.environ.get('USER') or 'root'}@" in term.text  # the prompt names the user
    await term.run("echo secret=${LABDECK_TOKEN-none}", "secret=none")
    await term.close()


async def test_reattach_replays_the_scrollback(terminal_server):
    server = terminal_server()
    first = await attach(server)
    await first.run("echo marker-$((40+2))", "marker-42")
    await first.close()
    again = await attach(server)
    assert again.hello["new"] is False and again.hello["id"] == first.hello["id"]
    await again.until("marker-42")
    await again.run("echo still-$((1+1))", "still-2")
    await again.close()


async def test_the_replay_is_bounded_and_starts_at_a_line(terminal_server):
    server = terminal_server("--scrollback", "20000")
    first = await attach(server)
    await first.run("for i in $(seq 1 400); do printf 'line-%03d %070d\\n' $i 0; done; echo done-$((1+1))", "done-2")
    await first.close()
    again = await attach(server)
    await again.until("done-2")
    replay = again.text
    assert len(again.output) <= 20000
    assert replay.startswith("line-") and "line-400" in replay and "line-001" not in replay
    await again.close()


async def test_a_replay_larger_than_the_window_does_not_pause_the_shell(terminal_server):
    server = terminal_server("--window", "65536", "--scrollback", "300000")
    first = await attach(server)
    await first.run("seq 1 60000; echo filled-$((1+1))", "filled-2")
    lazy = await attach(server, ack=False)  # gets ~300 kB of replay and never acknowledges it
    await lazy.until("filled-2")
    await first.run("echo live-$((3+3))", "live-6")
    await first.run("echo again-$((4+4))", "again-8")  # the PTY was not paused after the first
    await lazy.until("again-8")
    for term in (first, lazy):
        await term.close()


async def test_two_viewers_see_each_other_and_both_type(terminal_server):
    server = terminal_server()
    alice = await attach(server)
    bob = await attach(server)
    assert bob.hello["viewers"] == 2
    await alice.type("echo from-alice-$((3*3))\r")
    await alice.until("from-alice-9")
    await bob.until("from-alice-9")
    await bob.type("echo from-bob-$((4*4))\r")
    await alice.until("from-bob-16")
    await alice.close()
    await bob.close()


async def test_the_pty_takes_the_size_of_the_latest_active_viewer(terminal_server):
    server = terminal_server()
    big = await attach(server, query="cols=120&rows=40")
    await big.run("stty size", "40 120")
    small = await attach(server, query="cols=70&rows=20")  # attaching counts as activity
    await small.run("stty size", "20 70")
    await big.resize(132, 43)
    await big.run("stty size", "43 132")
    await small.run("echo typed", "typed")  # typing takes the PTY back to this viewer's size
    await small.run("stty size", "20 70")
    await big.close()
    await small.close()


async def test_flood_keeps_memory_bounded_and_ctrl_c_stops_it(terminal_server):
    server = terminal_server("--window", "262144")
    lazy = await attach(server, ack=False)  # never acknowledges: the PTY must pause for it
    await lazy.until(r"[$#] $")
    before = rss_kib(server.pid)
    await lazy.type("yes labdeck-flood-line\r")
    await lazy.drain(2.0)
    assert lazy.received < 262144 + 2 * 65536 + 8192  # stopped at the window
    # an attentive viewer still gets what is there, and Ctrl-C goes through at once
    reader = await attach(server)
    await reader.until("labdeck-flood-line")
    reader.output.clear()
    await reader.type("\x03")
    await lazy.close()  # the lazy viewer leaves: the rest of the output flows again...
    await reader.until(r"\^C[\s\S]*[$#] \Z", seconds=20)  # ...and ends: `yes` got the Ctrl-C
    await reader.run("echo stopped-$((2*3))", "stopped-6")
    assert rss_kib(server.pid) - before < 30_000
    await reader.close()


async def test_flood_with_an_attentive_viewer_streams_and_stops(terminal_server):
    server = terminal_server()
    term = await attach(server)
    await term.until(r"[$#] $")
    before = rss_kib(server.pid)
    await term.type("yes labdeck-flood-line\r")
    while term.received < 20_000_000:
        await term.drain(0.2)
    term.output.clear()
    await term.type("\x03")
    await term.until(r"\^C[\s\S]*[$#] \Z", seconds=20)  # bash drops what is typed ahead of its prompt
    await term.run("echo stopped-$((2*3))", "stopped-6")
    assert rss_kib(server.pid) - before < 30_000
    await term.close()


async def test_a_viewer_that_stops_reading_is_dropped_and_can_come_back(terminal_server):
    server = terminal_server("--window", "65536", "--ping", "0.2", "--stall-timeout", "0.5")
    lazy = await attach(server, ack=False)
    await lazy.type("yes\r")
    assert await lazy.until_closed() == 4408
    back = await attach(server)
    await back.type("\x03")
    await back.run("echo back-$((5*5))", "back-25")
    await back.close()


async def test_heartbeat_pings(terminal_server):
    server = terminal_server("--ping", "0.2")
    term = await attach(server)
    await term.until_control("ping", seconds=5)
    await term.close()


async def test_bash_marks_where_each_command_starts_and_ends_with_its_status(terminal_server):
    server = terminal_server()
    term = await attach(server)
    await term.until_control("live")  # the replay (none here) is over: marks from now on are new
    await term.run("false", re.escape("\x1b]133;C\x07") + r"[^\x1b]*" + re.escape("\x1b]133;D;1\x07"))
    await term.run("sh -c 'exit 7'", re.escape("\x1b]133;D;7\x07"))
    # the marks are the shell's own: programs it starts do not inherit them
    await term.run("env | grep -c -e ^PS0= -e ^PROMPT_COMMAND= ; echo counted", r"\D0\r\ncounted")
    await term.close()
    again = await attach(server)  # a second viewer: the replay, then "live"
    kinds = [c["t"] for c in again.controls]
    await again.until_control("live")
    assert kinds[0] == "hello"
    await again.close()


async def test_exit_ends_the_session_and_reaps_the_shell(terminal_server):
    server = terminal_server()
    term = await attach(server)
    pid = term.hello["pid"]
    await term.type("exit 3\r")
    ended = await term.until_control("exit")
    assert ended["code"] == 3
    assert await term.until_closed() == 1000
    wait_for(lambda: not alive(pid))  # gone, not a zombie, while the server runs on
    gone = await attach(server, query=f"id={term.hello['id']}")
    assert gone.hello == {"t": "error", "reason": "gone", "message": "this session has ended"}
    assert await gone.until_closed() == 4404
    await gone.close()
    fresh = await attach(server)
    assert fresh.hello["new"] is True and fresh.hello["pid"] != pid
    await fresh.run("echo fresh", "fresh")
    await fresh.close()


async def test_session_limit_and_names(terminal_server):
    server = terminal_server("--sessions", "2")
    one = await attach(server, "one")
    two = await attach(server, "two")
    three = await attach(server, "three")
    assert three.hello["reason"] == "limit"
    assert await three.until_closed() == 4429
    bad = await attach(server, "..bad")
    assert bad.hello["reason"] == "bad-name"
    for term in (one, two, three, bad):
        await term.close()


async def test_sigterm_closes_sockets_and_hangs_up_every_shell(terminal_server):
    server = terminal_server()
    first = await attach(server, "1")  # acknowledging: an ack racing the close must not cost the code
    second = await attach(server, "2")
    await first.run("sleep 1000 & echo started-$((1+1))", "started-2")
    await second.type("sleep 1000\r")
    async with aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=server.socket)) as http:
        sessions = await (await http.get(BASE + "sessions")).json()
    shells = [s["pid"] for s in sessions]
    assert len(shells) == 2
    children = children_of(*shells)
    assert children
    os.kill(server.pid, signal.SIGTERM)
    codes = await asyncio.gather(first.until_closed(), second.until_closed())
    assert codes == [1001, 1001]
    wait_for(lambda: not any(alive(pid) for pid in shells + children))  # SIGHUP, SIGKILL after 1.5 s
    assert server.process.wait(5) == 0
    wait_for(lambda: not Path(server.socket).exists())
    for term in (first, second):
        await term.close()


async def test_page_and_static_files(terminal_server):
    server = terminal_server()
    async with aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=server.socket)) as http:
        root = await http.get(BASE)
        assert 'data-session="1"' in await root.text() and 'href="./static/terminal.css"' in await root.text()
        named = await (await http.get(BASE + "session/build")).text()
        assert 'data-session="build"' in named and 'src="../static/vendor/xterm.js"' in named
        assert (await http.get(BASE + "static/vendor/xterm.js")).status == 200
        assert (await http.get(BASE + "static/vendor/addon-fit.js")).status == 200
        assert (await http.get(BASE + "session/..%2Fx")).status == 404


async def raw_get(socket_path: str, target: str) -> bytes:
    """The answer to a GET sent byte for byte (a client library would normalise ``..`` away)."""
    reader, writer = await asyncio.open_unix_connection(socket_path)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: terminal\r\nConnection: close\r\n\r\n".encode())
    answer = await reader.read()
    writer.close()
    return answer


async def test_path_traversal_cannot_read_files_outside_static(terminal_server):
    server = terminal_server()
    for target in ("/static/../server.py", "/static/..%2Fserver.py", "/static/%2E%2E/%2E%2E/pty.py",
                   "/static/vendor/..%2F..%2Fserver.py", "/static//etc/passwd", "/static/%2Fetc%2Fpasswd"):
        answer = await raw_get(server.socket, target)
        assert answer.startswith(b"HTTP/1.1 404 "), (target, answer[:80])
        assert b"import" not in answer and b"root:" not in answer
    assert (await raw_get(server.socket, "/static/terminal.js")).startswith(b"HTTP/1.1 200 ")


async def test_a_malformed_request_gets_an_error_and_the_server_keeps_serving(terminal_server):
    server = terminal_server()
    reader, writer = await asyncio.open_unix_connection(server.socket)
    writer.write(b"GARBAGE\r\n\r\n")
    assert (await reader.read()).startswith(b"HTTP/1.1 400 ")
    writer.close()
    reader, writer = await asyncio.open_unix_connection(server.socket)
    writer.write(b"GET / HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n")
    assert (await reader.read()).startswith(b"HTTP/1.1 431 ")
    writer.close()
    assert (await raw_get(server.socket, "/session/1")).startswith(b"HTTP/1.1 200 ")


def test_another_user_cannot_connect_to_the_unix_socket(terminal_server):
    """The socket admits its own user only (0600), whatever the umask the server started with."""
    import stat

    assert stat.S_IMODE(os.stat(terminal_server().socket).st_mode) == 0o600


async def test_on_tcp_a_foreign_origin_is_refused(tcp_server):
    auth = {"Authorization": f"Bearer {tcp_server.token}"}
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await Term.open(tcp_server.base, "1", headers={**auth, "Origin": "http://evil.example"})
    assert refused.value.status == 403
    term = await Term.open(tcp_server.base, "1", headers={**auth, "Origin": f"http://127.0.0.1:{tcp_server.port}"})
    await term.run("echo same-origin-$((2*2))", "same-origin-4")
    await term.close()


async def test_dns_rebinding_cannot_reach_the_tcp_terminal_server(tcp_server):
    """A page of evil.example whose name now resolves to 127.0.0.1: its requests reach the port
    with Host and Origin both evil.example (so an Origin check alone passes) and no token."""
    evil = f"evil.example:{tcp_server.port}"
    rebound = {"Host": evil, "Origin": f"http://{evil}"}
    async with aiohttp.ClientSession() as http:
        for path in ("", "sessions", "session/1", "static/terminal.js"):
            assert (await http.get(tcp_server.base + path, headers=rebound)).status == 421
            # a stolen token does not help either: the Host is refused first
            assert (await http.get(f"{tcp_server.base}{path}?token={tcp_server.token}", headers=rebound)).status == 421
    for query in ("", f"token={tcp_server.token}"):
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await Term.open(tcp_server.base, "1", headers=rebound, query=query)
        assert refused.value.status == 421
    async with aiohttp.ClientSession() as http:  # and no shell was started
        sessions = await http.get(tcp_server.base + "sessions", headers={"Authorization": f"Bearer {tcp_server.token}"})
        assert await sessions.json() == []


async def test_the_tcp_terminal_server_wants_its_token(tcp_server):
    async with aiohttp.ClientSession() as http:
        for path in ("", "sessions", "static/terminal.js", "ws/session/1"):
            assert (await http.get(tcp_server.base + path)).status == 401
            assert (await http.get(f"{tcp_server.base}{path}?token=wrong")).status == 401
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await Term.open(tcp_server.base, "1")
        assert refused.value.status == 401
        # the page opened with ?token= sets a cookie, which its static files and WebSocket then carry
        page = await http.get(f"http://localhost:{tcp_server.port}/session/1?token={tcp_server.token}")
        assert page.status == 200 and "data-session=\"1\"" in await page.text()
        assert (await http.get(f"http://localhost:{tcp_server.port}/static/terminal.js")).status == 200
    cookie = {f"labdeck_terminal_{tcp_server.port}": tcp_server.token}
    term = await Term.open(tcp_server.base, "1", cookies=cookie)
    await term.run("echo with-cookie-$((3*3))", "with-cookie-9")
    await term.close()


def test_without_token_the_tcp_terminal_server_makes_one_and_logs_it(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "labdeck_terminal.server", "--port", "0",
                                "--profile-dir", "", "--home", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stderr.readline()
        port, token = re.search(r"ready on http://127\.0\.0\.1:(\d+)/\?token=([\w-]{20,})", line).groups()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/sessions?token={token}") as answer:
            assert json.load(answer) == []
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/sessions")
        assert refused.value.code == 401
    finally:
        process.terminate()
        process.wait(10)
