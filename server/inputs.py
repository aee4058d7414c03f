"""Per-player input queues: validated on arrival, applied in order at the next tick."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from server.room_stats import Rate
from shared.protocol import ProtocolError


@dataclass(slots=True)
class InputCounters:
    """Inputs seen by a room: applied, and dropped for each reason."""

    applied: int = 0
    stale: int = 0
    overflow: int = 0
    invalid: int = 0
    failed: int = 0
    rate_limited: int = 0


class InputQueue:
    """The inputs one player sent since the last tick.

    ``newest`` is the highest sequence number accepted so far; an input with a sequence
    number at or below it is a duplicate or arrived out of order and is ignored. ``acked``
    is the sequence number of the last input the game applied. ``received`` and ``dropped``
    count what was offered and what was not queued (stale, overflow or invalid), for the
    monitor.
    """

    __slots__ = ("acked", "capacity", "dropped", "newest", "pending", "received", "received_rate")

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.pending: deque[tuple[int, dict[str, Any]]] = deque()
        self.newest = 0
        self.acked = 0
        self.received = 0
        self.dropped = 0
        self.received_rate = Rate()

    def restart(self) -> None:
        """Forget unapplied inputs; the next accepted one follows the last applied one."""
        self.pending.clear()
        self.newest = self.acked

    def offer(self, seq: int, values: dict[str, Any], counters: InputCounters) -> None:
        """Queue one validated input, or count why not (raising for overflow)."""
        self.received += 1
        if seq <= self.newest:
            counters.stale += 1
            self.dropped += 1
            return
        if len(self.pending) >= self.capacity:
            counters.overflow += 1
            self.dropped += 1
            raise ProtocolError(
                "input_overflow", f"at most {self.capacity} inputs per tick are queued"
            )
        self.newest = seq
        self.pending.append((seq, values))
