"""Where each attendee is: pages visited, time on each, blocks run and checks passed, in SQLite.

One file per workshop instance, kept where the attendee's files are (``--notes-progress-file``,
default ``~/.local/share/labdeck/progress.sqlite``: the home folder is the persistent volume
under JupyterHub), with rows keyed by the signed-in name, so attendees who share a home keep
separate progress. WAL mode: a write is an append (no fsync per view) that survives ``kill -9``.

The store never raises into a request: a corrupt, locked or unwritable file gives one log line
and an empty progress (``ProgressStore.problem`` says why), and the workshop carries on.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from labdeck import Deck

log = logging.getLogger("labdeck.notes.progress")

#: the shape of ``snapshot()``, for readers such as the instructor board (docs/notes.md "Progress")
VERSION = 1
#: time on a page counts until the next view, but no more than this (a coffee break is not study)
IDLE_CAP = 600.0

DEFAULT_FILE = Path("~/.local/share/labdeck/progress.sqlite")

SCHEMA = """
CREATE TABLE IF NOT EXISTS visits (user TEXT, page TEXT, first REAL, last REAL, seconds REAL,
                                   PRIMARY KEY (user, page));
CREATE TABLE IF NOT EXISTS current (user TEXT PRIMARY KEY, page TEXT, since REAL);
CREATE TABLE IF NOT EXISTS results (user TEXT, kind TEXT, page TEXT, name TEXT, state TEXT,
                                    code INTEGER, seconds REAL, at REAL,
                                    PRIMARY KEY (user, kind, page, name));
CREATE TABLE IF NOT EXISTS hands (user TEXT PRIMARY KEY, page TEXT, message TEXT, at REAL, recent TEXT);
"""
#: how many of the latest block results a raised hand carries
HAND_RECENT = 3


class ProgressStore:
    """The progress of every attendee of this instance; thread-safe, one connection."""

    def __init__(self, path: Path | str, *, clock: Any = time.time) -> None:
        self.path = Path(path)
        self.problem: str | None = None
        self._clock = clock
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection | None:
        if self._db is None and self.problem is None:
            try:
                self._db = self._open()
            except sqlite3.DatabaseError as error:
                if "not a database" not in str(error) and "malformed" not in str(error):
                    self._give_up(error)
                    return None
                aside = self.path.with_name(f"{self.path.name}.corrupt-{int(self._clock())}")
                log.error("progress: %s is damaged (%s); kept as %s, starting afresh", self.path, error, aside)
                try:
                    self.path.replace(aside)
                    self._db = self._open()
                except (sqlite3.Error, OSError) as again:
                    self._give_up(again)
            except OSError as error:
                self._give_up(error)
        return self._db

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=0.2, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(SCHEMA)
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _give_up(self, error: Exception) -> None:
        self.problem = f"progress is not kept: {self.path}: {error}"
        log.error("%s (the workshop goes on without it)", self.problem)
        if self._db is not None:
            self._db.close()
            self._db = None

    def _read(self, sql: str, args: tuple) -> list[tuple]:
        with self._lock:
            db = self._connection()
            if db is None:
                return []
            try:
                return db.execute(sql, args).fetchall()
            except sqlite3.OperationalError as error:
                if _busy(error):
                    log.warning("progress not read (%s is busy)", self.path)
                else:
                    self._give_up(error)
            except sqlite3.DatabaseError as error:
                self._give_up(error)
            return []

    def _write(self, statements: list[tuple[str, tuple]]) -> None:
        with self._lock:
            db = self._connection()
            if db is None:
                return
            try:
                db.execute("BEGIN IMMEDIATE")
                for sql, args in statements:
                    db.execute(sql, args)
                db.execute("COMMIT")
            except sqlite3.DatabaseError as error:
                if db.in_transaction:
                    db.rollback()
                if isinstance(error, sqlite3.OperationalError) and _busy(error):  # another writer: skip this one
                    log.warning("progress not saved (%s is busy)", self.path)
                else:
                    self._give_up(error)

    # -- writes ---------------------------------------------------------------------------------

    def visit(self, user: str, page: str) -> None:
        """``user`` now looks at ``page``: the page they leave gets the time since they opened it."""
        now = self._clock()
        self._write([
            ("UPDATE visits SET seconds = seconds + min(max(? - (SELECT since FROM current WHERE user = ?), 0), ?), "
             "last = ? WHERE user = ? AND page = (SELECT page FROM current WHERE user = ?)",
             (now, user, IDLE_CAP, now, user, user)),
            ("INSERT INTO visits VALUES (?, ?, ?, ?, 0) ON CONFLICT (user, page) DO UPDATE SET last = excluded.last",
             (user, page, now, now)),
            ("INSERT INTO current VALUES (?, ?, ?) ON CONFLICT (user) DO UPDATE SET page = excluded.page, "
             "since = excluded.since", (user, page, now)),
        ])

    def result(self, user: str, kind: str, page: str, name: str, state: str, *,
               code: int | None = None, seconds: float | None = None) -> None:
        """The latest result of block or check ``name`` on ``page`` (``kind``: "block" or "check")."""
        self._write([("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (user, kind, page, name) DO UPDATE SET state = excluded.state, "
                    "code = excluded.code, seconds = excluded.seconds, at = excluded.at",
                    (user, kind, page, name, state, code, seconds, self._clock()))])

    def reset(self, user: str) -> None:
        self._write([("DELETE FROM visits WHERE user = ?", (user,)), ("DELETE FROM current WHERE user = ?", (user,)),
                     ("DELETE FROM results WHERE user = ?", (user,)), ("DELETE FROM hands WHERE user = ?", (user,))])

    def raise_hand(self, user: str, page: str, message: str, commands: dict[str, str]) -> None:
        """``user`` asks for help on ``page``: the hand carries their ``HAND_RECENT`` latest block
        results (with the command, from ``commands``: the page's block number -> its text)."""
        recent = [{"page": page_id, "block": name, "state": state, "code": code,
                   "command": commands.get(name) if page_id == page else None}
                  for page_id, name, state, code in self._read(
                      "SELECT page, name, state, code FROM results WHERE user = ? AND kind = 'block' "
                      "ORDER BY at DESC LIMIT ?", (user, HAND_RECENT))]
        self._write([("INSERT OR REPLACE INTO hands VALUES (?, ?, ?, ?, ?)",
                      (user, page, message, self._clock(), json.dumps(recent)))])

    def lower_hand(self, user: str, at: float | None = None) -> None:
        """Lower ``user``'s hand (``at``: only the hand raised then, so a newer one stays up)."""
        if at is None:
            self._write([("DELETE FROM hands WHERE user = ?", (user,))])
        else:
            self._write([("DELETE FROM hands WHERE user = ? AND at = ?", (user, at))])

    def hand(self, user: str) -> dict[str, Any] | None:
        """``{"page", "message", "at", "recent": [{"page", "block", "state", "code", "command"}]}`` or None."""
        rows = self._read("SELECT page, message, at, recent FROM hands WHERE user = ?", (user,))
        if not rows:
            return None
        page, message, at, recent = rows[0]
        try:
            recent = json.loads(recent)
        except ValueError:
            recent = []
        return {"page": page, "message": message, "at": at, "recent": recent}

    # -- reads ----------------------------------------------------------------------------------

    def current(self, user: str) -> str | None:
        """The page ``user`` looked at last (None before their first page, or without a store)."""
        rows = self._read("SELECT page FROM current WHERE user = ?", (user,))
        return rows[0][0] if rows else None

    def snapshot(self, user: str) -> dict[str, Any]:
        """``{"version": 1, "user", "current", "pages": {id: {"visited", "seconds", "blocks", "checks"}},
        "hand"}`` (``hand``: a raised hand, see ``hand``, or None)."""
        pages: dict[str, dict[str, Any]] = {}

        def entry(page: str) -> dict[str, Any]:
            return pages.setdefault(page, {"visited": None, "seconds": 0.0, "blocks": {}, "checks": {}})

        current = self._read("SELECT page, since FROM current WHERE user = ?", (user,))
        for page, first, seconds in self._read(
                "SELECT page, first, seconds FROM visits WHERE user = ?", (user,)):
            entry(page).update(visited=first, seconds=round(seconds, 1))
        if current:  # the open page's time so far
            page, since = current[0]
            entry(page)["seconds"] = round(entry(page)["seconds"] + min(max(self._clock() - since, 0), IDLE_CAP), 1)
        for kind, page, name, state, code, seconds in self._read(
                "SELECT kind, page, name, state, code, seconds FROM results WHERE user = ?", (user,)):
            entry(page)[f"{kind}s"][name] = {"state": state, "code": code, "seconds": seconds}
        return {"version": VERSION, "user": user, "current": current[0][0] if current else None,
                "pages": pages, "hand": self.hand(user), "problem": self.problem}

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def _busy(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)


PROGRESS = web.AppKey("progress", ProgressStore)


def progress_context(path: Path | None) -> Callable[[web.Application], AsyncIterator[None]]:
    """The notes app's store at ``app[PROGRESS]`` (``path`` None: ``DEFAULT_FILE``), closed at the end."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        store = app[PROGRESS] = ProgressStore((path or DEFAULT_FILE).expanduser())
        yield
        store.close()

    return context


def attendee(request: web.Request) -> str:
    """Whose progress a request reads and writes: the signed-in name (``attendee`` when sign-in is off)."""
    try:
        name = Deck.principal(request).name
    except KeyError:  # a request core's sign-in did not see (the notes app alone, in tests)
        name = ""
    return name or "attendee"
