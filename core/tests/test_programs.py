"""``labdeck serve`` runs the plugins' programs itself: restarts them, and stops them with itself."""

import asyncio
import os
import signal
import sys

from labdeck import ProgramSpec
from labdeck.programs import ProgramRunner

SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]


async def wait_until(predicate, seconds=10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_a_killed_program_is_restarted():
    runner = ProgramRunner([ProgramSpec("sleeper", SLEEPER, startsecs=0)])
    runner.start()
    program = runner.programs["sleeper"]
    try:
        assert await wait_until(lambda: program.process is not None)
        first = program.process.pid
        os.kill(first, signal.SIGKILL)
        assert await wait_until(lambda: program.process.pid != first and program.process.returncode is None)
    finally:
        await runner.stop()


async def test_stop_ends_the_whole_process_group():
    # the program starts a grandchild, as a shell does; stopping must reach it too
    script = "import subprocess, time; subprocess.Popen(['sleep', '600']); time.sleep(600)"
    runner = ProgramRunner([ProgramSpec("parent", [sys.executable, "-c", script])])
    runner.start()
    program = runner.programs["parent"]
    assert await wait_until(lambda: program.process is not None)
    children: list[int] = []
    while len(children) < 2:  # the program and its grandchild, both in the program's group
        await asyncio.sleep(0.1)
        pgrep = await asyncio.create_subprocess_exec("pgrep", "-g", str(program.process.pid),
                                                     stdout=asyncio.subprocess.PIPE)
        children = [int(pid) for pid in (await pgrep.communicate())[0].split()]
    await runner.stop()
    assert await wait_until(lambda: not any(alive(pid) for pid in children), seconds=5)


async def test_a_program_that_ignores_sigterm_is_killed(tmp_path):
    ready = tmp_path / "ready"
    script = ("import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
              "open(sys.argv[1], 'w').close(); time.sleep(600)")
    runner = ProgramRunner([ProgramSpec("stubborn", [sys.executable, "-c", script, str(ready)], stopwaitsecs=0.5)])
    runner.start()
    program = runner.programs["stubborn"]
    assert await wait_until(ready.exists)
    await runner.stop()
    assert program.process.returncode == -signal.SIGKILL
