"""Domain events as CloudEvents 1.0: the types, the in-memory log every producer appends to,
and the envelope (shared/EVENTS.md describes both).

``EventLog.emit`` is the one way in. It stamps an event (id, time, source, subject, the
per-room sequence the producer gives) and appends it to a bounded in-memory queue without
waiting, so a room may call it in the middle of a tick; the outbox writer
(``server.events.pipeline``) drains the queue. ``envelope`` builds the structured JSON form with
the ``cloudevents`` SDK, off the tick path.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

log = logging.getLogger(__name__)

ROOM_CREATED = "room.created"
ROOM_STARTED = "room.started"
ROOM_ENDED = "room.ended"
PLAYER_JOINED = "player.joined"
PLAYER_LEFT = "player.left"
PLAYER_RESUMED = "player.resumed"
NODE_UP = "node.up"
NODE_DOWN = "node.down"
RESULT_TYPES = frozenset({ROOM_ENDED})  # never dropped to make room
MAX_QUEUED = 20_000  # events waiting in memory for the outbox writer
JSON = JSONFormat()


@dataclass(slots=True)
class EventRecord:
    """One event as produced, before it is stored.

    :param id: unique id (consumers deduplicate by it).
    :param type: ``room.created``, ..., or a game's ``<game>.<kind>``.
    :param source: ``/tickwire/<node>/rooms/<room id>`` (``/tickwire/<node>`` for node events).
    :param subject: the room id (the node id for node events); sinks partition by it.
    :param time: when it happened, Unix seconds.
    :param sequence: its place among its room's events (1, 2, ...); None for node events.
    :param public: False for events of a private room (the SSE reader needs the admin token).
    :param data: the payload, a JSON object.
    """

    id: str
    type: str
    source: str
    subject: str
    time: float
    sequence: int | None
    public: bool
    data: Mapping[str, Any]

    @property
    def result(self) -> bool:
        """True for a match result (``room.ended``), which is never dropped."""
        return self.type in RESULT_TYPES


def envelope(record: EventRecord) -> bytes:
    """The structured-mode JSON of ``record`` (``application/cloudevents+json``)."""
    attributes: dict[str, Any] = {
        "id": record.id,
        "source": record.source,
        "type": record.type,
        "subject": record.subject,
        "time": datetime.fromtimestamp(record.time, UTC),
        "datacontenttype": "application/json",
        "partitionkey": record.subject,
    }
    if record.sequence is not None:
        attributes["roomseq"] = record.sequence
    return JSON.write(CloudEvent(attributes, dict(record.data)))


def node_source(node: str) -> str:
    """The source of ``node``'s own events (the node id percent-encoded as a path segment)."""
    return f"/tickwire/{quote(node, safe=':')}"


class EventLog:
    """Where producers hand events: a bounded in-memory queue the outbox writer drains.

    Past ``max_queued`` events the oldest one that is not a result is dropped (counted in
    ``dropped``, logged at most once a minute); results are always kept, past the bound if
    need be.

    :param node: this process's node id (the events' source).
    :param max_queued: events held in memory at most; default 20,000.
    """

    def __init__(self, node: str, max_queued: int = MAX_QUEUED) -> None:
        self.node = node
        self.source = node_source(node)
        self.max_queued = max_queued
        self.queue: deque[EventRecord] = deque()
        self.dropped = 0
        self.emitted = 0
        self._ready = asyncio.Event()
        self._warned_at = -60.0

    def emit(self, type: str, subject: str, data: Mapping[str, Any], *, source: str = "",
             sequence: int | None = None, public: bool = True) -> EventRecord:
        """Queue one event; never waits. Returns it.

        :param type: the event type.
        :param subject: the room id, or the node id.
        :param data: the payload (not copied: pass a fresh object).
        :param source: default: this node's own source.
        :param sequence: the room's sequence number for it.
        :param public: False for a private room's events.
        """
        record = EventRecord(str(uuid.uuid4()), type, source or self.source, subject,
                             time.time(), sequence, public, data)
        if len(self.queue) >= self.max_queued and not self._drop_oldest() and (
                not record.result):
            self._count_drop()  # nothing older may go: this one does
            return record
        self.queue.append(record)
        self.emitted += 1
        self._ready.set()
        return record

    def take(self, limit: int) -> list[EventRecord]:
        """Up to ``limit`` queued events, oldest first, off the queue."""
        queue = self.queue
        taken = [queue.popleft() for _ in range(min(limit, len(queue)))]
        if not queue:
            self._ready.clear()
        return taken

    async def wait(self) -> None:
        """Return once an event is queued."""
        await self._ready.wait()

    def _drop_oldest(self) -> bool:
        victim = next((r for r in self.queue if not r.result), None)
        if victim is None:
            return False
        self.queue.remove(victim)
        self._count_drop()
        return True

    def _count_drop(self) -> None:
        self.dropped += 1
        now = time.monotonic()
        if now - self._warned_at >= 60.0:
            self._warned_at = now
            log.warning("event queue full (%d events): dropping the oldest non-result events "
                        "(%d so far)", self.max_queued, self.dropped)
