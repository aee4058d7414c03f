"""Bystanders: a few well-behaved private rooms whose every tick is timed.

Each room has two players (Python ``TickwireClient``s) that send one input per tick. Every
state a player's mirror applies is checked against the room's schedule: a tick is **on
time** when it follows the previous one (no gap) and arrives at most ``late_after`` seconds
after its slot. The schedule advances one tick interval per tick and follows the earliest
arrivals; it restarts after a gap and after a stall of more than ``STALL_TICKS`` intervals
(the server's clock skips ticks then, which ``/metrics`` counts).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import socketio

from bench.soak.workers import Deadline, WorkerPlan
from client import TickwireClient, TickwireError

STALL_TICKS = 4
PLAYERS_PER_ROOM = 2
SETUP_RETRY_SECONDS = 2.0


@dataclass(slots=True)
class TickTimer:
    """Which of one client's ticks arrived on time (see the module docstring).

    Every tick slot from the first state to the end is one of ``on_time``, ``late`` (late,
    or the tick that ended a gap) or ``missing`` (never received).
    """

    dt: float
    late_after: float
    last_tick: int | None = None
    last_at: float = 0.0
    due_at: float = 0.0
    slots: int = 0
    on_time: int = 0
    late: int = 0
    gaps: int = 0
    missing: int = 0
    lateness_ms: Counter[int] = field(default_factory=Counter)

    def saw(self, tick: int, at: float) -> None:
        """Tick ``tick`` arrived at monotonic time ``at``."""
        if self.last_tick is None:
            self.last_tick, self.last_at, self.due_at = tick, at, at
            return
        step = tick - self.last_tick
        if step <= 0:
            return
        self.slots += step
        self.last_tick, self.last_at = tick, at
        if step > 1:
            self.gaps += 1
            self.missing += step - 1
            self.late += 1
            self.due_at = at
            return
        self.due_at += self.dt
        lateness = at - self.due_at
        if lateness < 0:
            self.due_at, lateness = at, 0.0
        self.lateness_ms[min(1000, round(lateness * 1000))] += 1
        if lateness <= self.late_after:
            self.on_time += 1
            return
        self.late += 1
        if lateness > STALL_TICKS * self.dt:
            self.due_at = at

    def close(self, at: float) -> None:
        """The run ended at ``at``: slots since the last tick that never came are missing."""
        if self.last_tick is None:
            return
        overdue = math.floor((at - self.last_at - self.late_after) / self.dt)
        if overdue > 0:
            self.slots += overdue
            self.missing += overdue


class Bystanders:
    """The bystander rooms of one worker process; ``on_seated`` is called once every room is
    playing (the bots and attackers wait for it).

    Options: ``rooms`` (how many), ``late_ms`` (0 for half a tick interval).
    """

    def __init__(self, plan: WorkerPlan, deadline: Deadline, on_seated: Callable[[], None]
                 ) -> None:
        self.plan = plan
        self.deadline = deadline
        self.on_seated = on_seated
        self.rooms: int = plan.options["rooms"]
        self.late_ms: float = plan.options["late_ms"]
        self.timers: list[TickTimer] = []
        self.clients: list[TickwireClient] = []
        self.drops = 0
        self.errors: Counter[str] = Counter()

    async def run(self) -> None:
        """Open the rooms and play until the deadline."""
        rooms = [[TickwireClient(f"watch-{index}-{n}") for n in range(PLAYERS_PER_ROOM)]
                 for index in range(self.rooms)]
        self.clients = [player for players in rooms for player in players]
        try:
            seated = await asyncio.gather(*(self._seat(players) for players in rooms))
            self.on_seated()
            playing = [player for players, ok in zip(rooms, seated, strict=True) if ok
                       for player in players]
            await asyncio.gather(*(self._play(player) for player in playing))
        finally:
            for player in self.clients:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(player.disconnect(), 5)

    def snapshot(self) -> dict[str, Any]:
        """Tick counts summed over every bystander."""
        total: Counter[str] = Counter()
        lateness: Counter[int] = Counter()
        for timer in self.timers:
            for name in ("slots", "on_time", "late", "gaps", "missing"):
                total[name] += getattr(timer, name)
            lateness.update(timer.lateness_ms)
        return {**total, "clients": len(self.timers), "lateness_ms": dict(lateness),
                "resyncs": sum(client.resyncs for client in self.clients),
                "drops": self.drops, "errors": dict(self.errors)}

    async def _seat(self, players: list[TickwireClient]) -> bool:
        """Host creates and starts a private room, the others join by code. Retries until the
        deadline (the server may be busy fending off an attack)."""
        host, *guests = players
        while not self.deadline.passed():
            try:
                async with asyncio.timeout_at(self.deadline.until):
                    for player in players:
                        if not player.connected:
                            await player.connect(self.plan.url)
                    created = await host.create_room(max_players=PLAYERS_PER_ROOM)
                    await host.start()
                    for guest in guests:
                        await guest.join(code=created.code)
                return True
            except (TickwireError, TimeoutError) as error:
                self.errors[getattr(error, "code", "timeout")] += 1
                for player in players:
                    with contextlib.suppress(Exception):
                        await player.disconnect()
                await asyncio.sleep(min(SETUP_RETRY_SECONDS, self.deadline.left()))
        return False

    async def _play(self, client: TickwireClient) -> None:
        assert client.room is not None
        rate = client.room["tick_rate"]
        late_after = self.late_ms / 1000 if self.late_ms else 0.5 / rate
        timer = TickTimer(1.0 / rate, late_after)
        self.timers.append(timer)
        client.on_state(lambda mirror: timer.saw(mirror.tick, time.monotonic()))
        loop = asyncio.get_running_loop()
        next_input = loop.time()
        while not self.deadline.passed():
            if not client.connected and not await self._resume(client):
                break
            if client.joined is None:  # the room closed or we were evicted: ticks go missing
                self.errors[(client.closed_reason or {}).get("code", "left_room")] += 1
                break
            mirror = client.mirror
            if mirror is not None and mirror.synced:
                with contextlib.suppress(socketio.exceptions.SocketIOError):
                    await client.send_input(dx=math.sin(next_input), dy=0.0, aim=0.0, fire=False)
            next_input += 1.0 / rate
            await asyncio.sleep(max(0.0, next_input - loop.time()))
        timer.close(time.monotonic())

    async def _resume(self, client: TickwireClient) -> bool:
        """The server dropped a bystander: take its seat back (a failure in itself: every
        tick it missed counts)."""
        self.drops += 1
        if client.token is None:
            return False
        try:
            async with asyncio.timeout_at(self.deadline.until):
                await client.connect(self.plan.url)
                await client.resume(client.token)
            return True
        except (TickwireError, TimeoutError) as error:
            self.errors[getattr(error, "code", "timeout")] += 1
            return False
