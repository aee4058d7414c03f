"""The fixed-step scheduler that drives a room.

Tick ``n`` is due at ``start + n * dt`` on the event loop's monotonic clock, so firing late
once never shifts later ticks. A tick that starts more than a quarter of a step after its due
time is counted as late, and one that starts a whole step late (after the next one was due)
as overrun. When the loop falls more than ``max_catch_up`` steps behind, the missed steps are
skipped and counted rather than run back to back.

Each tick is a plain event-loop timer callback: no task, no coroutine, nothing to await.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class Cancellable(Protocol):
    """A scheduled call (``asyncio.TimerHandle``)."""

    def cancel(self) -> None:
        """Do not make the call."""


class Timer(Protocol):
    """Where a clock reads the time and schedules calls: an ``asyncio`` event loop, or a
    stand-in with the same two methods (tests use one whose time they control)."""

    def time(self) -> float:
        """Now, in seconds on a monotonic clock."""

    def call_at(self, when: float, callback: Callable[[], object]) -> Cancellable:
        """Call ``callback()`` once ``time()`` reaches ``when``."""


@dataclass(slots=True)
class ClockStats:
    """What clocks have seen: ticks run, run late (a quarter step), overrun (a whole step),
    steps skipped, worst lateness."""

    ticks: int = 0
    late: int = 0
    overrun: int = 0
    skipped: int = 0
    worst_lateness: float = 0.0


class FixedStepClock:
    """Calls ``on_tick(lateness)`` once per step of ``1 / rate`` seconds, without drift.

    :param rate: steps per second.
    :param stats: where to count ticks; several clocks may share one.
    :param max_catch_up: steps the clock may run back to back to catch up before skipping.
    :param timer: time and timers; ``None`` (the default) uses the running event loop.
    """

    def __init__(self, rate: float, stats: ClockStats | None = None,
                 max_catch_up: int = 3, timer: Timer | None = None) -> None:
        self.dt = 1.0 / rate
        self.max_catch_up = max_catch_up
        self.stats = stats if stats is not None else ClockStats()
        self.timer = timer
        self._on_tick: Callable[[float], None] = _no_tick
        self._timer: Timer  # set by start()
        self._handle: Cancellable | None = None
        self._start = 0.0
        self._step = 0

    def start(self, on_tick: Callable[[float], None]) -> None:
        """Start calling ``on_tick``, first one step from now."""
        self._on_tick = on_tick
        self._timer = self.timer or asyncio.get_running_loop()
        self._start = self._timer.time()
        self._step = 0
        self._schedule()

    def stop(self) -> None:
        """No more ticks (and the callback is let go of)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._on_tick = _no_tick

    def _schedule(self) -> None:
        self._step += 1
        self._handle = self._timer.call_at(self._start + self._step * self.dt, self._fire)

    def _fire(self) -> None:
        dt, stats = self.dt, self.stats
        lateness = self._timer.time() - (self._start + self._step * dt)
        stats.worst_lateness = max(stats.worst_lateness, lateness)
        if lateness >= dt:
            stats.overrun += 1
        if lateness > dt * self.max_catch_up:
            missed = int(lateness / dt)
            stats.skipped += missed
            self._step += missed
            lateness -= missed * dt
        if lateness > dt / 4:
            stats.late += 1
        stats.ticks += 1
        self._schedule()
        self._on_tick(lateness)


def _no_tick(lateness: float) -> None:
    pass
