"""The fixed-step scheduler that drives a room.

Tick ``n`` is due at ``start + n * dt`` on the event loop's monotonic clock, so sleeping
late once never shifts later ticks. A tick that starts more than a quarter of a step after
its due time is counted as late. When the loop falls more than ``max_catch_up`` steps behind,
the missed steps are skipped and counted rather than run back to back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass


@dataclass(slots=True)
class ClockStats:
    """What a clock has seen: ticks run, ticks run late, steps skipped, worst lateness."""

    ticks: int = 0
    late: int = 0
    skipped: int = 0
    worst_lateness: float = 0.0


class FixedStepClock:
    """Yields once per step of ``1 / rate`` seconds, without drift.

    :param rate: steps per second.
    :param stats: where to count ticks; several clocks may share one.
    :param max_catch_up: steps the clock may run back to back to catch up before skipping.
    """

    def __init__(self, rate: float, stats: ClockStats | None = None,
                 max_catch_up: int = 3) -> None:
        self.dt = 1.0 / rate
        self.max_catch_up = max_catch_up
        self.stats = stats if stats is not None else ClockStats()

    async def ticks(self) -> AsyncIterator[float]:
        """Yield each step's lateness in seconds, forever; stop by cancelling the consumer."""
        loop = asyncio.get_running_loop()
        dt = self.dt
        stats = self.stats
        start = loop.time()
        step = 0
        while True:
            step += 1
            due = start + step * dt
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            lateness = loop.time() - due
            stats.worst_lateness = max(stats.worst_lateness, lateness)
            if lateness > dt * self.max_catch_up:
                missed = int(lateness / dt)
                stats.skipped += missed
                step += missed
                lateness -= missed * dt
            if lateness > dt / 4:
                stats.late += 1
            stats.ticks += 1
            yield lateness
