"""The durable outbox: an embedded SQLite database (WAL) of every event until each sink has it.

Table ``events`` holds events in the order they were written (``pos``, 1, 2, ...); table
``cursors`` holds, per sink, the last position that sink acknowledged. An event leaves the
outbox once every configured sink's cursor passed it; the last ``history`` events are kept
anyway for readers that resume (the SSE stream's ``Last-Event-ID``).

The outbox is bounded: past ``max_events`` undelivered events, the oldest that are not results
(``room.ended``) are deleted, and each sink that had not delivered them counts them as dropped.

Every call runs SQLite in one dedicated thread, so the event loop never waits on the disk. A
lock file next to the database keeps two processes from sharing it. The latest events are also
kept in memory, so a sink that keeps up reads them without a trip to the thread, and the sinks'
acknowledgements gather for ``ack_interval`` (0.25 s) before one transaction writes them all:
after a crash, a sink gets at most that much again (delivery is at least once anyway).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)

ACK_INTERVAL = 0.25  # seconds acknowledgements gather before one transaction writes them
RECENT_EVENTS = 1024  # the latest events, kept in memory for the sinks that keep up

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    pos INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    subject TEXT NOT NULL,
    public INTEGER NOT NULL,
    result INTEGER NOT NULL,
    time REAL NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS cursors (sink TEXT PRIMARY KEY, pos INTEGER NOT NULL);
"""
COLUMNS = "pos, id, type, subject, public, time, body"
OUTBOX_FILE = "outbox.sqlite3"


class OutboxInUse(RuntimeError):
    """Another process holds this outbox; the message says which directory."""


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as the outbox holds it: its position and its structured JSON envelope."""

    pos: int
    id: str
    type: str
    subject: str
    public: bool
    time: float
    body: bytes


@dataclass(frozen=True, slots=True)
class NewEvent:
    """What the writer stores: the event's fields and its envelope."""

    id: str
    type: str
    subject: str
    public: bool
    result: bool
    time: float
    body: bytes


class Outbox:
    """The SQLite outbox (see the module docstring).

    :param directory: where ``outbox.sqlite3`` lives; empty keeps it in memory (lost on exit).
    :param sinks: names of the configured sinks (their cursors).
    :param max_events: undelivered events kept at most; past it the oldest non-results go.
    :param history: delivered events kept for readers that resume.
    :param ack_interval: seconds an acknowledgement may wait before it is written (with every
        other one of that interval, in one transaction); 0 writes each at once.
    """

    def __init__(self, directory: str, sinks: Iterable[str], max_events: int,
                 history: int, ack_interval: float = ACK_INTERVAL) -> None:
        self.directory = directory
        self.sinks = list(sinks)
        self.max_events = max_events
        self.history = history
        self.ack_interval = ack_interval
        # Kept on the event loop's thread only; the outbox thread gets copies.
        self.cursors: dict[str, int] = {}
        self.depths: dict[str, int] = {}
        self.last_pos = 0
        self._recent: deque[StoredEvent] = deque(maxlen=RECENT_EVENTS)
        self._unwritten_acks = False
        self._ack_writer: asyncio.Task[None] | None = None
        self._db: sqlite3.Connection | None = None
        self._lock_file: Any = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="outbox")

    async def open(self) -> None:
        """Open (or create) the database, take its lock, load the cursors and depths."""
        self.last_pos, self.cursors, self.depths = await self._run(self._open)

    async def close(self) -> None:
        """Write the acknowledgements still waiting, close the database, release the lock."""
        if self._ack_writer is not None:
            self._ack_writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ack_writer
        if self._unwritten_acks:
            with contextlib.suppress(sqlite3.Error):
                await self._write_acks()
        await self._run(self._close)
        self._thread.shutdown(wait=True)

    async def append(self, items: Sequence[T], stored_form: Callable[[T], NewEvent]
                     ) -> tuple[list[StoredEvent], dict[str, int]]:
        """Store ``items`` as ``stored_form`` makes them (in the outbox thread, off the event
        loop; one transaction); returns them with their positions, and per sink how many
        undelivered events were dropped to stay within ``max_events``."""
        oldest = min(self.cursors.values(), default=self.last_pos)
        stored, victims = await self._run(
            lambda: self._append([stored_form(item) for item in items], oldest))
        dropped = {sink: sum(1 for pos in victims if pos > cursor)
                   for sink, cursor in self.cursors.items()} if victims else {}
        if stored:
            self.last_pos = stored[-1].pos
        for sink in self.sinks:
            self.depths[sink] += len(stored) - dropped.get(sink, 0)
        if victims:
            self._recent.clear()  # it would still hold them
            gone = set(victims)
            self._recent.extend(event for event in stored if event.pos not in gone)
        else:
            self._recent.extend(stored)
        return stored, dropped

    async def read(self, after: int, limit: int) -> list[StoredEvent]:
        """Events past position ``after``, oldest first, at most ``limit`` (the latest from
        memory, without a trip to the disk)."""
        recent = self._recent
        if recent and recent[0].pos <= after + 1:
            newer = []  # from the newest back: a sink that keeps up reads a few, not them all
            for event in reversed(recent):
                if event.pos <= after:
                    break
                newer.append(event)
            newer.reverse()
            return newer[:limit]
        return await self._run(self._read, after, limit)

    async def ack(self, sink: str, pos: int, count: int) -> None:
        """``sink`` has every event up to ``pos`` (``count`` of them since its cursor). Written
        within ``ack_interval`` seconds: a crash before then sends those events again (at
        least once), and never loses one."""
        self.cursors[sink] = pos
        self.depths[sink] = max(0, self.depths[sink] - count)
        self._unwritten_acks = True
        if self.ack_interval <= 0:
            await self._write_acks()
        elif self._ack_writer is None:
            self._ack_writer = asyncio.create_task(self._write_acks_soon(), name="outbox acks")

    async def _write_acks_soon(self) -> None:
        try:
            while self._unwritten_acks:
                await asyncio.sleep(self.ack_interval)
                try:
                    await self._write_acks()
                except sqlite3.Error:  # the disk: the cursors in memory stay right; try later
                    log.exception("writing the sinks' cursors to the outbox failed; retrying")
        finally:
            self._ack_writer = None

    async def _write_acks(self) -> None:
        self._unwritten_acks = False
        cursors = dict(self.cursors)
        forget_upto = min(min(cursors.values(), default=self.last_pos),
                          self.last_pos - self.history)
        try:
            await self._run(self._ack, cursors, forget_upto)
        except BaseException:
            self._unwritten_acks = True
            raise
        while self._recent and self._recent[0].pos <= forget_upto:
            self._recent.popleft()

    # -- in the outbox thread ----------------------------------------------------------------

    def _open(self) -> tuple[int, dict[str, int], dict[str, int]]:
        if self.directory:
            Path(self.directory).mkdir(parents=True, exist_ok=True)
            lock_path = os.path.join(self.directory, OUTBOX_FILE + ".lock")
            self._lock_file = open(lock_path, "w")  # noqa: SIM115 (held until close)
            try:
                fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._lock_file.close()
                raise OutboxInUse(f"the event outbox in {self.directory} is in use by another "
                                  "process; give each server its own --data-dir") from None
            path = os.path.join(self.directory, OUTBOX_FILE)
        else:
            path = ":memory:"
        db = self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(SCHEMA)
        last_pos = db.execute("SELECT COALESCE(MAX(pos), 0) FROM events").fetchone()[0]
        known = dict(db.execute("SELECT sink, pos FROM cursors").fetchall())
        start = min((known[s] for s in self.sinks if s in known), default=last_pos)
        cursors, depths = {}, {}
        for sink in self.sinks:
            cursors[sink] = known.get(sink, start)
            db.execute("INSERT OR IGNORE INTO cursors VALUES (?, ?)", (sink, cursors[sink]))
            depths[sink] = db.execute("SELECT COUNT(*) FROM events WHERE pos > ?",
                                      (cursors[sink],)).fetchone()[0]
        return last_pos, cursors, depths

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def _append(self, events: list[NewEvent], oldest: int
                ) -> tuple[list[StoredEvent], list[int]]:
        """Store ``events``; past the bound, delete the oldest non-results after position
        ``oldest`` (every sink's cursor) and return their positions too."""
        db = self._connection()
        stored = []
        with db:
            db.execute("BEGIN IMMEDIATE")
            for event in events:
                pos = db.execute(
                    "INSERT INTO events (id, type, subject, public, result, time, body) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (event.id, event.type, event.subject, event.public, event.result,
                     event.time, event.body)).lastrowid
                assert pos is not None
                stored.append(StoredEvent(pos, event.id, event.type, event.subject,
                                          event.public, event.time, event.body))
            victims = self._enforce_bound(db, oldest)
        return stored, victims

    def _enforce_bound(self, db: sqlite3.Connection, oldest: int) -> list[int]:
        undelivered = db.execute("SELECT COUNT(*) FROM events WHERE pos > ?",
                                 (oldest,)).fetchone()[0]
        excess = undelivered - self.max_events
        if excess <= 0:
            return []
        victims = [row[0] for row in db.execute(
            "SELECT pos FROM events WHERE pos > ? AND result = 0 ORDER BY pos LIMIT ?",
            (oldest, excess))]
        db.executemany("DELETE FROM events WHERE pos = ?", ((pos,) for pos in victims))
        return victims

    def _read(self, after: int, limit: int) -> list[StoredEvent]:
        rows = self._connection().execute(
            f"SELECT {COLUMNS} FROM events WHERE pos > ? ORDER BY pos LIMIT ?", (after, limit))
        return [StoredEvent(pos, id_, type_, subject, bool(public), time_, bytes(body))
                for pos, id_, type_, subject, public, time_, body in rows]

    def _ack(self, cursors: dict[str, int], forget_upto: int) -> None:
        db = self._connection()
        with db:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("UPDATE cursors SET pos = ? WHERE sink = ?",
                           ((pos, sink) for sink, pos in cursors.items()))
            db.execute("DELETE FROM events WHERE pos <= ?", (forget_upto,))

    def _connection(self) -> sqlite3.Connection:
        assert self._db is not None, "open() first"
        return self._db

    async def _run(self, call: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, call, *args)
