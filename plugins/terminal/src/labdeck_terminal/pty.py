"""PTY sessions: one shell on one pseudo-terminal, any number of viewers.

A ``Session`` owns the PTY master, reads the shell's output, keeps a bounded
scrollback and hands every chunk to each attached ``Viewer``. Flow control:
while any viewer holds more than ``window`` bytes it has not acknowledged, the
session stops reading the PTY (the shell then blocks on its own writes); input
still goes straight to the PTY, so Ctrl-C reaches the shell at once.

Nothing here knows about HTTP: a viewer is fed through ``Viewer.outbox`` and
``server.py`` moves that to a WebSocket.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import fcntl
import os
import signal
import struct
import termios
import time
from collections.abc import Callable, Mapping, Sequence

from . import log
from .loop import Loop, Timer

READ_SIZE = 65536
#: largest binary frame sent to a viewer (output waiting to be sent is gathered up to this)
FRAME_SIZE = 256 * 1024
#: input waiting for a full PTY beyond this is dropped (a runaway paste)
MAX_PENDING_INPUT = 1 << 20
#: after the shell exits, how long to wait for the rest of its output
EXIT_DRAIN_SECONDS = 0.3
#: signals Python or the server changed that a shell must get back at their defaults
RESET_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM,
                 signal.SIGHUP, signal.SIGCHLD, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU)


class ShellCommand:
    """How to start a shell: program, arguments, environment."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        self.argv, self.env = argv, env


class Viewer:
    """One attached client. ``outbox`` holds ``bytes`` (output) and ``dict`` (control
    messages) in order; ``on_wake`` is called whenever something was added. ``closing`` is the
    close code and reason once the server is to close the socket after the outbox."""

    def __init__(self, cols: int = 80, rows: int = 24) -> None:
        self.cols, self.rows = cols, rows
        self.outbox: collections.deque[bytes | bytearray | dict] = collections.deque()
        self.on_wake: Callable[[], None] = lambda: None
        self.queued = 0  # output bytes handed to this viewer since it attached
        self.acked = 0  # of which the client confirmed it has processed
        self.replayed = 0  # the scrollback replay at attach: bounded already, never holds the PTY back
        self.over_window_since: float | None = None
        self.closing: tuple[int, bytes] | None = None

    @property
    def unacked(self) -> int:
        return self.queued - max(self.acked, self.replayed)

    def push(self, data: bytes) -> None:
        last = self.outbox[-1] if self.outbox else None
        if isinstance(last, bytearray) and len(last) + len(data) <= FRAME_SIZE:
            last += data
        else:
            self.outbox.append(bytearray(data) if len(data) < FRAME_SIZE else data)
        self.queued += len(data)
        self.on_wake()

    def send(self, message: dict) -> None:
        self.outbox.append(message)
        self.on_wake()

    def close(self, code: int, reason: bytes = b"", *, drop: bool = False) -> None:
        """Close the socket after what is queued (``drop``: instead of it); the first call wins."""
        if drop:
            self.outbox.clear()
        self.closing = self.closing or (code, reason)
        self.on_wake()


class Session:
    """A shell on a PTY. Create with ``Session.spawn``; ``on_end`` runs once when it is over."""

    def __init__(self, loop: Loop, name: str, pid: int, fd: int, *, scrollback: int, window: int,
                 cols: int, rows: int, on_end: Callable[[Session], None]) -> None:
        self.name = name
        self.id = os.urandom(8).hex()
        self.pid = pid
        self.fd = fd
        self.created = time.time()
        self.cols, self.rows = cols, rows
        self.viewers: list[Viewer] = []
        self.exit_code: int | None = None
        self.ended = False
        self._scrollback_limit = scrollback
        self._scrollback: collections.deque[bytes] = collections.deque()  # chunks as read
        self._scrollback_size = 0
        self._trimmed = False
        self._window = window
        self._reading = False
        self._eof = False
        self._exited = False
        self._pending_input = bytearray()
        self._writing = False
        self._on_end = on_end
        self._loop = loop
        self._drain_timer: Timer | None = None
        self.reaped = False
        self._resume_reading()
        # a pidfd turns readable when the shell exits: no SIGCHLD handler, no other child's status reaped
        self._pidfd = os.pidfd_open(pid)
        self._loop.add_reader(self._pidfd, self._reap)

    @classmethod
    def spawn(cls, loop: Loop, name: str, command: ShellCommand, *, cols: int = 80, rows: int = 24,
              scrollback: int = 512 * 1024, window: int = 512 * 1024,
              on_end: Callable[[Session], None] = lambda session: None) -> Session:
        """Start ``command`` on a new PTY as the leader of a new session.

        ``posix_spawn`` (no fork of this process): the child calls setsid, then
        opens the PTY's slave by name, which makes it the controlling terminal,
        so job control and Ctrl-C work as in any terminal.
        """
        master, slave = os.openpty()
        try:
            _set_size(master, cols, rows)
            tty_name = os.ttyname(slave)
            pid = os.posix_spawn(
                command.argv[0], list(command.argv), dict(command.env),
                file_actions=[(os.POSIX_SPAWN_OPEN, 0, tty_name, os.O_RDWR, 0),
                              (os.POSIX_SPAWN_DUP2, 0, 1), (os.POSIX_SPAWN_DUP2, 0, 2)],
                setsid=True, setsigdef=RESET_SIGNALS, setsigmask=(),
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        log.info("session %s: started shell pid %d", name, pid)
        return cls(loop, name, pid, master, scrollback=scrollback, window=window, cols=cols, rows=rows, on_end=on_end)

    # -- viewers ---------------------------------------------------------------------------

    def attach(self, viewer: Viewer) -> None:
        """Replay the scrollback to ``viewer``, then stream live output to it."""
        replay = self.replay()
        if replay:
            viewer.push(replay)
            viewer.replayed = len(replay)
        viewer.send({"t": "live"})  # what follows is new output (the page reads command marks only there)
        self.viewers.append(viewer)
        self.focus(viewer)

    def detach(self, viewer: Viewer) -> None:
        with contextlib.suppress(ValueError):
            self.viewers.remove(viewer)
        self._update_flow()

    def replay(self) -> bytes:
        """The scrollback, starting at a line boundary once the buffer has wrapped."""
        data = b"".join(self._scrollback)
        trimmed = self._trimmed or len(data) > self._scrollback_limit
        data = data[-self._scrollback_limit:]
        if trimmed:
            cut = data.find(b"\n", 0, 4096)
            data = data[cut + 1:] if cut >= 0 else data
        return data

    def ack(self, viewer: Viewer, total: int) -> None:
        """``viewer`` has processed ``total`` bytes since it attached."""
        if viewer.acked < total <= viewer.queued:
            viewer.acked = total
            self._update_flow()

    def focus(self, viewer: Viewer) -> None:
        """The PTY takes the size of the viewer that most recently attached, resized or typed."""
        if (viewer.cols, viewer.rows) != (self.cols, self.rows) and not self.ended:
            self.cols, self.rows = viewer.cols, viewer.rows
            with contextlib.suppress(OSError):
                _set_size(self.fd, self.cols, self.rows)

    def stalled(self, now: float, timeout: float) -> list[Viewer]:
        """Viewers that have held the PTY back for more than ``timeout`` seconds."""
        return [v for v in self.viewers if v.over_window_since is not None and now - v.over_window_since > timeout]

    # -- input -----------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Send keystrokes to the shell. An interrupt (Ctrl-C) first drops input still
        waiting for room in the PTY, so it is never stuck behind a huge paste."""
        if self.ended or not data:
            return
        if data[:1] == b"\x03" and self._pending_input:
            self._pending_input.clear()
        if len(self._pending_input) + len(data) > MAX_PENDING_INPUT:
            log.warning("session %s: input dropped, the shell is not reading", self.name)
            return
        self._pending_input += data
        self._flush_input()

    def _flush_input(self) -> None:
        while self._pending_input:
            try:
                written = os.write(self.fd, self._pending_input)
            except BlockingIOError:
                break
            except OSError:
                self._pending_input.clear()
                break
            del self._pending_input[:written]
        if self._pending_input and not self._writing:
            self._loop.add_writer(self.fd, self._flush_input)
            self._writing = True
        elif not self._pending_input and self._writing:
            self._loop.remove_writer(self.fd)
            self._writing = False

    # -- output and flow control ------------------------------------------------------------

    def _read(self) -> None:
        # A PTY hands out at most ~4 KiB per read: gather what is there (up to READ_SIZE)
        # so that a flood travels in few large frames.
        chunks: list[bytes] = []
        size = 0
        eof = False
        while size < READ_SIZE:
            try:
                chunk = os.read(self.fd, READ_SIZE - size)
            except BlockingIOError:
                break
            except OSError as error:  # EIO: every process holding the slave has closed it
                if error.errno not in (errno.EIO, errno.EBADF):
                    log.warning("session %s: read failed: %s", self.name, error)
                chunk = b""
            if not chunk:
                eof = True
                break
            chunks.append(chunk)
            size += len(chunk)
        if chunks:
            self._output(b"".join(chunks))
        if eof:
            self._on_eof()

    def _output(self, data: bytes) -> None:
        self._scrollback.append(data)
        self._scrollback_size += len(data)
        while self._scrollback_size - len(self._scrollback[0]) >= self._scrollback_limit:
            self._scrollback_size -= len(self._scrollback.popleft())
            self._trimmed = True
        for viewer in self.viewers:
            viewer.push(data)
        self._update_flow()

    def _update_flow(self) -> None:
        """Pause reading while a viewer is over the window; resume when all are under half of it."""
        if self.ended or self._eof:
            return
        now = time.monotonic()
        over = False
        for viewer in self.viewers:
            if viewer.unacked > self._window:
                over = True
                viewer.over_window_since = viewer.over_window_since or now
            elif viewer.unacked <= self._window // 2:
                viewer.over_window_since = None
        busy = any(v.unacked > self._window // 2 for v in self.viewers)
        if over and self._reading:
            self._loop.remove_reader(self.fd)
            self._reading = False
        elif not busy and not self._reading:
            self._resume_reading()

    def _resume_reading(self) -> None:
        self._loop.add_reader(self.fd, self._read)
        self._reading = True

    # -- the end ---------------------------------------------------------------------------

    def _on_eof(self) -> None:
        self._eof = True
        if self._reading:
            self._loop.remove_reader(self.fd)
            self._reading = False
        if self._exited:
            self._finish()

    def _reap(self) -> None:
        """The shell exited: collect it (no zombie). Background jobs may still hold the
        PTY open: give the output a moment to drain, then end the session anyway."""
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.pid, 0
        if pid == 0:
            return
        self._loop.remove_reader(self._pidfd)
        os.close(self._pidfd)
        self.exit_code = os.waitstatus_to_exitcode(status)
        self._exited = True
        self.reaped = True
        if self._eof:
            self._finish()
        else:
            self._drain_timer = self._loop.call_later(EXIT_DRAIN_SECONDS, self._finish)

    def _finish(self) -> None:
        if self.ended:
            return
        self.ended = True
        if self._drain_timer:
            self._drain_timer.cancel()
        self._close_fd()
        log.info("session %s: shell exited (%s)", self.name, self.exit_code)
        for viewer in self.viewers:
            viewer.send({"t": "exit", "code": self.exit_code})
            viewer.close(1000)
        self._on_end(self)

    def _close_fd(self) -> None:
        if self.fd < 0:
            return
        if self._reading:
            self._loop.remove_reader(self.fd)
            self._reading = False
        if self._writing:
            self._loop.remove_writer(self.fd)
            self._writing = False
        os.close(self.fd)
        self.fd = -1

    def hangup(self) -> None:
        """Close the PTY and send SIGHUP (then SIGCONT, for stopped jobs) to the shell's
        process group, as a terminal emulator does when its window closes."""
        self._close_fd()
        for sig in (signal.SIGHUP, signal.SIGCONT):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, sig)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)


def _set_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
