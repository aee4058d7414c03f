"""Cheap counters for the monitor: recent tick durations, late ticks, bytes out, rates.

A room records one tick in O(1) (a store into a fixed ring, two additions); percentiles are
computed only when someone asks (the admin API, the monitor, a cluster node's stats key), from
the last ticks the ring holds.
"""

from __future__ import annotations

import math
import time

ROOM_TICK_SAMPLES = 64  # about three seconds at 20 Hz


def percentile(samples: list[float], share: float) -> float:
    """The ``share`` (0..1) percentile of ``samples`` (nearest rank); 0 for none."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered), max(1, math.ceil(share * len(ordered)))) - 1]


class TickRing:
    """The last ``size`` tick durations (seconds)."""

    __slots__ = ("_next", "samples", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self.samples: list[float] = []
        self._next = 0

    def record(self, seconds: float) -> None:
        """One tick took ``seconds``."""
        if len(self.samples) < self.size:
            self.samples.append(seconds)
        else:
            self.samples[self._next] = seconds
            self._next = (self._next + 1) % self.size

    def percentile(self, share: float) -> float:
        """A percentile (0..1) of the durations held, in seconds."""
        return percentile(self.samples, share)


class Rate:
    """A per-second rate of a growing counter, measured over at least ``window`` seconds
    between reads (reads closer together get the previous answer)."""

    __slots__ = ("_count", "_rate", "_since", "window")

    def __init__(self, window: float = 1.0) -> None:
        self.window = window
        self._count = 0
        self._since = time.monotonic()
        self._rate = 0.0

    def read(self, count: int, now: float | None = None) -> float:
        """The rate of ``count`` (the counter's current value)."""
        now = time.monotonic() if now is None else now
        elapsed = now - self._since
        if elapsed >= self.window:
            self._rate = max(0, count - self._count) / elapsed
            self._count, self._since = count, now
        return self._rate


class RoomStats:
    """What one room measured about itself (see the module docstring)."""

    __slots__ = ("bytes_out", "bytes_rate", "created", "late", "late_rate", "ticks")

    def __init__(self) -> None:
        self.ticks = TickRing(ROOM_TICK_SAMPLES)
        self.late = 0
        self.bytes_out = 0
        self.created = time.time()
        self.bytes_rate = Rate()
        self.late_rate = Rate()

    def record(self, seconds: float, late: bool, sent_bytes: int) -> None:
        """One tick took ``seconds`` (broadcast included), started ``late`` or not, and sent
        ``sent_bytes`` (payload bytes times recipients)."""
        self.ticks.record(seconds)
        self.late += late
        self.bytes_out += sent_bytes
