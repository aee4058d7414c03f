"""The fixed-step clock: ticks due at start + n * dt, late ticks counted, stalls skipped."""

from __future__ import annotations

import asyncio
import time

from server.clock import ClockStats, FixedStepClock


async def test_work_inside_a_tick_does_not_shift_later_ticks():
    clock = FixedStepClock(100)  # dt = 10 ms
    loop = asyncio.get_running_loop()
    began = loop.time()
    ticks = 0
    async for _lateness in clock.ticks():
        time.sleep(0.004)  # 4 ms of work per tick
        ticks += 1
        if ticks == 30:
            break
    elapsed = loop.time() - began
    # an accumulating sleep would take 30 x 14 ms = 420 ms; due times keep it at 30 x 10 ms
    assert 0.29 <= elapsed < 0.37
    assert clock.stats.ticks == 30


async def test_a_stall_is_counted_as_late_and_skipped_ticks():
    stats = ClockStats()
    clock = FixedStepClock(100, stats, max_catch_up=3)
    ticks = 0
    async for _lateness in clock.ticks():
        ticks += 1
        if ticks == 2:
            time.sleep(0.105)  # block the loop for ten and a half steps
        if ticks == 6:
            break
    assert stats.skipped >= 7
    assert stats.late >= 1
    assert stats.worst_lateness >= 0.03
