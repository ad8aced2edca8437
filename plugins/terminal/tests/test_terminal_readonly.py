"""The read-only viewer (``ws/view/<name>``, the instructor's shadow view): it sees the session's
scrollback and live output; what it sends (input, resizes, signals) never reaches the shell."""

from __future__ import annotations

import json

import aiohttp
from terminal_helpers import Term

BASE = "http://terminal/"


async def viewer(server, name: str = "1", by: str = "") -> Term:
    http = aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=server.socket))
    ws = await http.ws_connect(f"{BASE}ws/view/{name}" + (f"?by={by}" if by else ""), max_msg_size=0)
    term = Term(ws, http)
    term.hello = await term.until_control("hello", "error")
    return term


async def test_a_viewer_sees_the_scrollback_and_what_the_attendee_types_next(terminal_server):
    server = terminal_server()
    attendee = await Term.open(BASE, "1", socket_path=server.socket, query="cols=100&rows=30")
    await attendee.run("echo before-$((20+1))", "before-21")
    watching = await viewer(server)
    assert watching.hello["readonly"] is True and watching.hello["new"] is False
    await watching.until("before-21")  # the scrollback
    await attendee.run("echo after-$((20+2))", "after-22")
    await watching.until("after-22")  # live
    await watching.close()
    await attendee.close()


async def test_attack_viewer_types_resizes_and_interrupts(terminal_server, tmp_path):
    server = terminal_server()
    attendee = await Term.open(BASE, "1", socket_path=server.socket, query="cols=100&rows=30")
    await attendee.run("sleep 0.1; echo ready-$((1+1))", "ready-2")
    watching = await viewer(server)
    flag = tmp_path / "typed-by-the-viewer"
    await watching.ws.send_bytes(f"touch {flag}\r".encode())
    await watching.ws.send_str(json.dumps({"t": "in", "d": f"touch {flag}\r"}))
    await watching.ws.send_str(json.dumps({"t": "resize", "cols": 40, "rows": 10}))
    await watching.ws.send_bytes(b"\x03\x1a\x1c")  # Ctrl-C, Ctrl-Z, Ctrl-\ as a terminal sends them
    await watching.ws.send_str(json.dumps({"t": "signal", "name": "SIGKILL"}))
    await attendee.run("sleep 1; stty size; echo alive-$((2+3))", r"30 100\r\nalive-5")
    assert not flag.exists()
    assert "touch" not in attendee.text
    await watching.until("alive-5")  # still watching: it was not thrown out, only ignored
    await watching.close()
    await attendee.close()


async def test_viewing_a_session_that_does_not_run_starts_no_shell(terminal_server):
    server = terminal_server()
    watching = await viewer(server, "7")
    assert watching.hello["t"] == "error"
    attendee = await Term.open(BASE, "7", socket_path=server.socket)
    assert attendee.hello["new"] is True  # nobody had started it
    await attendee.close()
    await watching.close()


async def test_the_attendee_is_told_who_watches_and_when_they_stop(terminal_server):
    server = terminal_server()
    attendee = await Term.open(BASE, "1", socket_path=server.socket)
    watching = await viewer(server, by="ann")
    assert (await attendee.until_control("watched"))["by"] == ["ann"]
    late = await Term.open(BASE, "1", socket_path=server.socket)  # a second tab of the attendee's
    assert (await late.until_control("watched"))["by"] == ["ann"]
    attendee.controls.clear()
    await watching.close()
    assert (await attendee.until_control("watched"))["by"] == []
    await late.close()
    await attendee.close()
