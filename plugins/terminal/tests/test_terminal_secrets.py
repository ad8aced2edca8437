"""labdeck's secrets never reach a shell: not in its ``env``, not in the terminal server's
/proc/<pid>/environ, not in the environ of any ancestor the shell can read — under
``labdeck serve`` (core runs the terminal server) and under ``labdeck run`` (supervisord)."""

from __future__ import annotations

import importlib.util
import os
import re
import secrets
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from terminal_helpers import Term, short_dir, wait_for

import labdeck_testing

PREFIX = "/user/alice/"
PLUGINS = [name for name in ("console", "jupyterhub") if importlib.util.find_spec(f"labdeck_{name}")]

# A shell walks up from itself to pid 1 and prints every environ it can read, with its own env;
# grep counts lines holding one of the secrets (read from a file: typing them would echo them).
WALK = ("{ env; p=$$; while [ \"$p\" -gt 1 ]; do echo \"== $p\"; cat /proc/$p/environ; echo;"
        " p=$(awk '/^PPid:/{print $2}' /proc/$p/status); done; } 2>/dev/null | tr '\\0' '\\n' > walk.txt;"
        " echo \"seen-$(grep -c '^== ' walk.txt)-found-$(grep -c -F -f patterns walk.txt)-\"")


def the_secrets(token: str) -> dict[str, str]:
    values = {"LABDECK_TOKEN": token}
    if "console" in PLUGINS:
        values["LABDECK_CONSOLE_TOKEN"] = "console-" + secrets.token_hex(8)
    if "jupyterhub" in PLUGINS:
        values["JUPYTERHUB_API_TOKEN"] = "hub-" + secrets.token_hex(8)
    return values


def environment(folder: Path, plugins: list[str], values: dict[str, str]) -> dict[str, str]:
    (folder / "home").mkdir(exist_ok=True)
    (folder / "home" / "patterns").write_text("\n".join(values.values()) + "\n")
    return {"LABDECK_RUNTIME_DIR": str(folder / "rt"), "URI_ROOT_PATH": PREFIX, "TERMINAL_HOME": str(folder / "home"),
            "HOME": str(folder / "home"),  # shells do not run the dotfiles of whoever runs the tests
            "LABDECK_TERMINAL_PROFILE_DIRS": "", "LABDECK_PLUGINS": ",".join(["terminal", *PLUGINS, *plugins]),
            "LABDECK_AUTH": "token", **values}


def proc(pid: int, name: str) -> bytes:
    return Path(f"/proc/{pid}/{name}").read_bytes()


def labdeck_run(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "labdeck", "run"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def ancestors(pid: int) -> list[int]:
    chain = []
    while pid > 1:
        chain.append(pid)
        pid = int(re.search(r"^PPid:\s+(\d+)", Path(f"/proc/{pid}/status").read_text(), re.M).group(1))
    return chain


async def assert_the_shell_finds_no_secret(term: Term, values: dict[str, str], must_pass: list[int]) -> None:
    found = await term.run(WALK, r"seen-(\d+)-found-(\d+)-", seconds=20)
    seen, hits = int(found.group(1)), int(found.group(2))
    assert hits == 0, f"a secret is visible to the shell ({hits} lines)"
    chain = ancestors(term.hello["pid"])
    assert seen >= len(chain) - 1 and set(must_pass) <= set(chain)  # it did read its ancestors
    for pid in chain:  # and, read from outside, none of them holds one
        assert not [name for name, value in values.items() if value.encode() in proc(pid, "environ")], (pid, chain)


async def test_under_labdeck_serve_no_secret_reaches_a_shell_nor_its_ancestors(labdeck_server):
    folder = short_dir()
    token = secrets.token_urlsafe(16)
    values = the_secrets(token)
    server = labdeck_server(env=environment(folder, [], values), token=token)
    term = await Term.open(server.url + "terminal/", "1", cookies=server.cookies)
    await term.run("echo up-$((1+1))", "up-2")
    terminal_server = ancestors(term.hello["pid"])[1]
    assert b"labdeck_terminal.server" in proc(terminal_server, "cmdline")
    await assert_the_shell_finds_no_secret(term, values, [terminal_server, server.process.pid])
    await term.close()


@pytest.mark.skipif(importlib.util.find_spec("labdeck_supervisor") is None, reason="labdeck-supervisor not installed")
async def test_under_labdeck_run_no_secret_reaches_a_shell_nor_its_ancestors():
    folder = short_dir()
    token, port = secrets.token_urlsafe(16), labdeck_testing.free_port()
    values = the_secrets(token)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "LABDECK_", "JUPYTERHUB_"))}
    env.update(environment(folder, ["supervisor"], values), LABDECK_PORT=str(port))
    process = labdeck_run(env)
    try:
        base = f"http://127.0.0.1:{port}{PREFIX}"
        from test_terminal_labdeck import sign_in

        term = await Term.open(base + "terminal/", "1", cookies=await sign_in(base, token))
        await term.run("echo up-$((1+1))", "up-2")
        conf = folder / "rt" / "supervisord.conf"
        assert stat.S_IMODE(conf.stat().st_mode) == 0o600 and stat.S_IMODE(conf.parent.stat().st_mode) == 0o700
        assert token in conf.read_text()  # only the labdeck program's environment= line holds them
        await assert_the_shell_finds_no_secret(term, values, [process.pid])  # supervisord is `labdeck run`
        await term.close()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)
        wait_for(lambda: not (folder / "rt" / "terminal.sock").exists())
