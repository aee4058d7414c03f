"""``HistorySink``: the match history as one more sink of the event stream.

It takes its events from the outbox like every other sink (at least once, in order), applies
each ``room.ended`` to the store once (idempotent by event id) and ignores the other types.
Rooms that ended without players are marked applied but not stored as matches.
"""

from __future__ import annotations

import asyncio
import json

from server.events.model import ROOM_ENDED
from server.events.outbox import StoredEvent
from server.history.store import HistoryStore, Match

HISTORY_SINK = "history"


class HistorySink:
    """Applies ``room.ended`` events to ``store``.

    :param store: where matches go (opened by ``start``).
    """

    name = HISTORY_SINK
    batch_size = 200

    def __init__(self, store: HistoryStore) -> None:
        self.store = store
        self.changed = asyncio.Condition()
        self.version = 0  # bumped after every batch that stored a match
        self._open = False

    async def start(self) -> None:
        """Open the store (once; it stays open until ``shutdown``)."""
        if not self._open:
            await self.store.open()
            self._open = True

    async def send(self, batch: list[StoredEvent]) -> None:
        """Apply every ``room.ended`` of ``batch``."""
        stored = False
        for event in batch:
            if event.type == ROOM_ENDED:
                stored |= await self.store.record(event.id, _match(event))
        if stored:
            self.version += 1
            async with self.changed:
                self.changed.notify_all()

    async def close(self) -> None:
        """Nothing: a failed batch is retried on the open store."""

    async def shutdown(self) -> None:
        """Close the store."""
        if self._open:
            await self.store.close()
            self._open = False


def _match(event: StoredEvent) -> Match | None:
    envelope = json.loads(event.body)
    data = envelope["data"]
    if not data["players"]:
        return None
    winner = data["winner"] or {}
    return Match(room_id=event.subject, game=data["game"], public=event.public,
                 reason=data["reason"], ended_at=envelope["time"], duration=data["duration"],
                 winner=winner.get("name"), winner_id=winner.get("player_id"),
                 players=data["players"])
