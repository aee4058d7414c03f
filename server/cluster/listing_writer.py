"""``ListingWriter``: listing changes reach the directory at most once a second per room.

A room signals ``changed`` as often as it likes (a join, a leave, a start); nothing is written
then. One background task writes each changed room's *current* listing (taken from the
snapshot function at write time, so the latest value wins) no sooner than ``interval`` after
that room's previous write. A room that keeps changing is written once per interval; a quiet
one is not written at all. The tick path only ever calls the synchronous ``changed``.

A failed write (Redis down) is retried one interval later; the room's later changes replace
what was pending, so nothing queues up while Redis is away.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections.abc import Awaitable, Callable

from server.directory import RoomDirectory, RoomListing
from shared.protocol import ProtocolError

log = logging.getLogger(__name__)

INTERVAL = 1.0
BATCH = 16  # writes in flight at once (each holds a Redis connection)

Snapshot = Callable[[], RoomListing | None]


class ListingWriter:
    """Coalesces listing changes into at most one ``directory.update`` per room per interval.

    :param directory: where listings are written.
    :param interval: least seconds between two writes of one room; default 1.
    """

    def __init__(self, directory: RoomDirectory, interval: float = INTERVAL) -> None:
        self.directory = directory
        self.interval = interval
        self._pending: dict[str, Snapshot] = {}
        self._due: list[tuple[float, str]] = []  # heap of (time, room id) for pending rooms
        self._last: dict[str, float] = {}  # room id -> time of its last write
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None

    def changed(self, room_id: str, snapshot: Snapshot) -> None:
        """Note that a room's listing changed; ``snapshot()`` gives it at write time (None
        skips the write, e.g. for a room that closed meanwhile)."""
        loop = asyncio.get_running_loop()
        if room_id not in self._pending:
            due = max(loop.time(), self._last.get(room_id, -self.interval) + self.interval)
            heapq.heappush(self._due, (due, room_id))
            self._wake.set()
        self._pending[room_id] = snapshot
        self._idle.clear()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="listing-writer")

    def forget(self, room_id: str) -> None:
        """Drop a closed room's pending write and history."""
        self._pending.pop(room_id, None)
        self._last.pop(room_id, None)

    async def drained(self) -> None:
        """Wait until no write is pending."""
        await self._idle.wait()

    async def close(self) -> None:
        """Stop writing (pending changes are dropped)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._due:
            delay = self._due[0][0] - loop.time()
            if delay > 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
                continue
            batch: list[Awaitable[None]] = []
            while self._due and self._due[0][0] <= loop.time() and len(batch) < BATCH:
                _, room_id = heapq.heappop(self._due)
                snapshot = self._pending.pop(room_id, None)
                if snapshot is not None:
                    batch.append(self._write(room_id, snapshot))
            await asyncio.gather(*batch)
        self._idle.set()

    async def _write(self, room_id: str, snapshot: Snapshot) -> None:
        loop = asyncio.get_running_loop()
        listing = snapshot()
        if listing is None:
            return
        self._last[room_id] = loop.time()
        try:
            await self.directory.update(listing)
        except ProtocolError as error:
            log.debug("listing of %s not written (%s); retrying", room_id, error.code)
            if room_id not in self._pending:
                self._pending[room_id] = snapshot
                heapq.heappush(self._due, (loop.time() + self.interval, room_id))
