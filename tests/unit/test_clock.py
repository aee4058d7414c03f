"""The fixed-step clock: ticks due at start + n * dt, late ticks counted, stalls skipped.

The clock runs on ``FakeTimer``, whose time moves only when the test says: a tick's work
"takes" time by advancing it, so every due time, lateness and count is exact.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable

import pytest

from server.clock import ClockStats, FixedStepClock

START = 100.0
EARLY = 1e-3  # how early a real event loop may fire a timer, generously


class FakeHandle:
    """A call scheduled on a ``FakeTimer``."""

    def __init__(self, when: float, callback: Callable[[], object]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class FakeTimer:
    """An event loop's ``time`` and ``call_at`` on a clock that only moves when told."""

    def __init__(self, now: float = START) -> None:
        self.now = now
        self.scheduled: list[float] = []  # every due time asked for, in order
        self._queue: list[tuple[float, int, FakeHandle]] = []
        self._order = itertools.count()

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, callback: Callable[[], object]) -> FakeHandle:
        handle = FakeHandle(when, callback)
        self.scheduled.append(when)
        heapq.heappush(self._queue, (when, next(self._order), handle))
        return handle

    def advance(self, seconds: float) -> None:
        """Time passes (inside a callback: the callback's work takes that long)."""
        self.now += seconds

    def run_until(self, deadline: float) -> None:
        """Make every call due by ``deadline``, in order, as an event loop would: a call
        runs at its due time, or later if earlier calls' work took time past it."""
        while self._queue and self._queue[0][0] <= deadline:
            when, _, handle = heapq.heappop(self._queue)
            if not handle.cancelled:
                self.now = max(self.now, when)
                handle.callback()
        self.now = max(self.now, deadline)


class Recorder:
    """Starts ``clock`` and records, per tick, when it ran and the lateness it was given."""

    def __init__(self, clock: FixedStepClock, timer: FakeTimer,
                 work: Callable[[int], float] = lambda tick: 0.0) -> None:
        self.timer = timer
        self.work = work
        self.ran_at: list[float] = []
        self.lateness: list[float] = []
        clock.start(self.on_tick)

    def on_tick(self, lateness: float) -> None:
        self.ran_at.append(self.timer.now)
        self.lateness.append(lateness)
        self.timer.advance(self.work(len(self.ran_at)))


def due(step: int, dt: float) -> float:
    """When step ``step`` is due for a clock started at ``START`` (the clock's own formula)."""
    return START + step * dt


def test_work_inside_a_tick_does_not_shift_later_ticks():
    timer = FakeTimer()
    clock = FixedStepClock(100, timer=timer)  # dt = 10 ms
    ticks = Recorder(clock, timer, work=lambda tick: 0.004)  # 4 ms of work per tick
    timer.run_until(due(30, clock.dt))
    # an accumulating sleep would put tick n at n x 14 ms; due times keep it at n x 10 ms
    assert ticks.ran_at == [due(n, clock.dt) for n in range(1, 31)]
    assert ticks.lateness == [0.0] * 30
    assert timer.scheduled == [due(n, clock.dt) for n in range(1, 32)]
    assert clock.stats == ClockStats(ticks=30)


def test_a_late_tick_is_caught_up_on_the_same_grid():
    timer = FakeTimer()
    clock = FixedStepClock(100, timer=timer)
    # tick 1's work takes 25 ms: ticks 2 and 3 run back to back at 35 ms, tick 4 on time
    ticks = Recorder(clock, timer, work=lambda tick: 0.025 if tick == 1 else 0.0)
    timer.run_until(due(5, clock.dt))
    assert ticks.ran_at == pytest.approx([START + 0.01, START + 0.035, START + 0.035,
                                          START + 0.04, START + 0.05])
    assert ticks.lateness == pytest.approx([0.0, 0.015, 0.005, 0.0, 0.0])
    # tick 2 started a whole step late (overrun); ticks 2 and 3 over a quarter step (late)
    assert clock.stats == ClockStats(ticks=5, late=2, overrun=1, skipped=0,
                                     worst_lateness=pytest.approx(0.015))


def test_a_stall_is_counted_as_late_and_skipped_ticks():
    timer = FakeTimer()
    stats = ClockStats()
    clock = FixedStepClock(100, stats, max_catch_up=3, timer=timer)
    # tick 2 (due at 20 ms) stalls for 105 ms; tick 3 (due at 30 ms) runs at 125 ms
    ticks = Recorder(clock, timer, work=lambda tick: 0.105 if tick == 2 else 0.0)
    timer.run_until(due(19, clock.dt))
    # 95 ms behind: nine steps skipped, the remaining 5 ms still late (over 2.5 ms)
    assert ticks.ran_at[:3] == pytest.approx([START + 0.01, START + 0.02, START + 0.125])
    assert ticks.lateness[2] == pytest.approx(0.005)
    assert stats == ClockStats(ticks=10, late=1, overrun=1, skipped=9,
                               worst_lateness=pytest.approx(0.095))
    # after the skip the clock is back on its grid: steps 13, 14, ... at 130 ms, 140 ms, ...
    assert ticks.ran_at[3:] == pytest.approx([due(n, clock.dt) for n in range(13, 20)])
    assert ticks.lateness[3:] == pytest.approx([0.0] * 7)


def test_a_stopped_clock_stays_silent():
    timer = FakeTimer()
    clock = FixedStepClock(200, timer=timer)  # dt = 5 ms
    ticks = Recorder(clock, timer)
    timer.run_until(due(6, clock.dt))
    assert len(ticks.ran_at) == 6
    clock.stop()
    timer.run_until(START + 10)
    assert len(ticks.ran_at) == 6
    assert clock.stats.ticks == 6


async def test_by_default_the_clock_runs_on_the_event_loop():
    loop = asyncio.get_running_loop()
    clock = FixedStepClock(100)
    began = loop.time()
    lateness: list[float] = []
    done = asyncio.Event()

    def on_tick(late: float) -> None:
        lateness.append(late)
        if len(lateness) == 5:
            clock.stop()
            done.set()

    clock.start(on_tick)
    await asyncio.wait_for(done.wait(), 10)
    # timers never fire before they are due (give or take the loop's clock resolution), so
    # five steps take at least five steps; how much later they come is the machine's business
    assert loop.time() - began >= 5 * clock.dt - EARLY
    assert all(late >= -EARLY for late in lateness)
    assert clock.stats.ticks == 5
