"""The fixed-step clock: ticks due at start + n * dt, late ticks counted, stalls skipped."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from server.clock import ClockStats, FixedStepClock


async def run_ticks(clock: FixedStepClock, count: int, work: Callable[[int], None]) -> None:
    """Run ``count`` ticks, calling ``work(tick_number)`` in each."""
    done = asyncio.Event()
    seen = 0

    def on_tick(lateness: float) -> None:
        nonlocal seen
        seen += 1
        work(seen)
        if seen == count:
            clock.stop()
            done.set()

    clock.start(on_tick)
    await asyncio.wait_for(done.wait(), 10)


async def test_work_inside_a_tick_does_not_shift_later_ticks():
    clock = FixedStepClock(100)  # dt = 10 ms
    loop = asyncio.get_running_loop()
    began = loop.time()
    await run_ticks(clock, 30, lambda tick: time.sleep(0.004))  # 4 ms of work per tick
    elapsed = loop.time() - began
    # an accumulating sleep would take 30 x 14 ms = 420 ms; due times keep it at 30 x 10 ms
    assert 0.29 <= elapsed < 0.37
    assert clock.stats.ticks == 30


async def test_a_stall_is_counted_as_late_and_skipped_ticks():
    stats = ClockStats()
    clock = FixedStepClock(100, stats, max_catch_up=3)
    await run_ticks(clock, 6, lambda tick: time.sleep(0.105) if tick == 2 else None)
    assert stats.skipped >= 7
    assert stats.late >= 1
    assert stats.worst_lateness >= 0.03


async def test_a_stopped_clock_stays_silent():
    clock = FixedStepClock(200)
    ticks = []
    clock.start(ticks.append)
    await asyncio.sleep(0.03)
    clock.stop()
    count = len(ticks)
    await asyncio.sleep(0.03)
    assert count > 0 and len(ticks) == count
