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


async def test_a_program_that_outlives_a_crash_survives_kill_9_of_labdeck(tmp_path):
    """The terminal server's shells must survive ``kill -9`` of ``labdeck serve``."""
    pidfile = tmp_path / "pids"
    runner_script = f"""
import asyncio, sys
from labdeck import ProgramSpec
from labdeck.programs import ProgramRunner
async def main():
    specs = [ProgramSpec(name=name, command=["sleep", "600"], outlives_crash=keep) for name, keep in
             (("keeper", True), ("follower", False))]
    runner = ProgramRunner(specs)
    runner.start()
    while not all(p.process for p in runner.programs.values()):
        await asyncio.sleep(0.05)
    open({str(pidfile)!r}, "w").write(" ".join(str(runner.programs[n].process.pid) for n in ("keeper", "follower")))
    await asyncio.sleep(600)
asyncio.run(main())
"""
    labdeck = await asyncio.create_subprocess_exec(sys.executable, "-c", runner_script)
    assert await wait_until(lambda: pidfile.exists() and pidfile.read_text())
    keeper, follower = (int(pid) for pid in pidfile.read_text().split())
    labdeck.kill()
    await labdeck.wait()
    try:
        assert await wait_until(lambda: not alive(follower), seconds=5)
        assert alive(keeper)
    finally:
        os.kill(keeper, signal.SIGKILL)
