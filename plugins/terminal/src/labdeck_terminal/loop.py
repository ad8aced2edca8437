"""The terminal server's event loop: callbacks on file descriptors, timers and signals.

Why not asyncio: importing it costs the server ~6.6 MiB of its RSS (typing, inspect, ast, dis,
logging, subprocess and its own modules: docs/benchmarks.md, "Start and memory"), a third of the
process, and a loop of ~140 lines on ``selectors`` (epoll) does all this server asks of one.
No third-party event loop is smaller: uvloop and tornado bring asyncio with them, gevent and
twisted are larger still. So the server is written in callbacks, without coroutines.
"""

from __future__ import annotations

import heapq
import os
import selectors
import signal
import sys
import time
from collections import deque
from collections.abc import Callable

from . import log

Callback = Callable[[], object]


class Timer:
    """A call scheduled by ``Loop.call_later``; ``cancel()`` before it runs to drop it."""

    __slots__ = ("callback", "when")

    def __init__(self, when: float, callback: Callback | None) -> None:
        self.when, self.callback = when, callback

    def cancel(self) -> None:
        self.callback = None

    def __lt__(self, other: Timer) -> bool:
        return self.when < other.when


class Loop:
    """One thread's loop: readers and writers per fd, timers, and signals through a wakeup fd
    (the C-level handler writes the signal's number there; the callback runs here, in turn)."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._timers: list[Timer] = []
        self._ready: deque[Callback] = deque()
        self._signals: dict[int, Callback] = {}
        self._running = False
        self._wakeup, self._wakeup_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.add_reader(self._wakeup, self._on_signals)

    # -- file descriptors --------------------------------------------------------------------

    def _watch(self, fd: int, which: int, callback: Callback | None) -> None:
        try:
            key = self._selector.get_key(fd)
        except KeyError:
            if callback is not None:
                pair = [None, None]
                pair[which] = callback
                self._selector.register(fd, 1 << which, pair)
            return
        pair = key.data
        pair[which] = callback
        events = (selectors.EVENT_READ if pair[0] else 0) | (selectors.EVENT_WRITE if pair[1] else 0)
        if events:
            self._selector.modify(fd, events, pair)
        else:
            self._selector.unregister(fd)

    def add_reader(self, fd: int, callback: Callback) -> None:
        self._watch(fd, 0, callback)

    def remove_reader(self, fd: int) -> None:
        self._watch(fd, 0, None)

    def add_writer(self, fd: int, callback: Callback) -> None:
        self._watch(fd, 1, callback)

    def remove_writer(self, fd: int) -> None:
        self._watch(fd, 1, None)

    # -- time --------------------------------------------------------------------------------

    def call_soon(self, callback: Callback) -> None:
        self._ready.append(callback)

    def call_later(self, delay: float, callback: Callback) -> Timer:
        timer = Timer(time.monotonic() + delay, callback)
        heapq.heappush(self._timers, timer)
        return timer

    # -- signals -----------------------------------------------------------------------------

    def add_signal_handler(self, signum: int, callback: Callback) -> None:
        self._signals[signum] = callback
        signal.signal(signum, lambda *_: None)  # the wakeup fd does the work
        signal.set_wakeup_fd(self._wakeup_write, warn_on_full_buffer=False)

    def _on_signals(self) -> None:
        try:
            data = os.read(self._wakeup, 64)
        except BlockingIOError:
            return
        for signum in data:
            if signum in self._signals:
                self._ready.append(self._signals[signum])

    # -- running -----------------------------------------------------------------------------

    def stop(self) -> None:
        self._running = False

    def run(self) -> None:
        """Run callbacks until ``stop()``. A callback that raises is logged, and the loop goes on:
        one bad message must not take every shell down with the server."""
        self._running = True
        select, timers, ready = self._selector.select, self._timers, self._ready
        while self._running:
            timeout = None
            if ready:
                timeout = 0
            elif timers:
                timeout = max(0.0, timers[0].when - time.monotonic())
            for key, events in select(timeout):
                reader, writer = key.data
                if events & selectors.EVENT_READ and reader:
                    self._call(reader)
                if events & selectors.EVENT_WRITE and writer and key.data[1] is writer:
                    self._call(writer)
            now = time.monotonic()
            while timers and timers[0].when <= now:
                timer = heapq.heappop(timers)
                if timer.callback is not None:
                    ready.append(timer.callback)
            for _ in range(len(ready)):
                self._call(ready.popleft())

    def _call(self, callback: Callback) -> None:
        try:
            callback()
        except Exception:  # see run()
            log.error("unexpected error in %r", callback, exc_info=sys.exc_info())
