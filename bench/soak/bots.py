"""The churning bots: players that join, play, drop, resume, leave and come back at random.

Each bot enters a room (quick join, a private room it creates and starts, or a private room
another bot created, by its code), plays one input per tick for a random while (exponential,
mean ``churn_seconds``), then does one of: drop its connection and resume its seat after a
short pause (well within ``seat_grace``), leave and rejoin the same room, or quit and come
back as a new connection. Refusals that carry ``retry_after`` (or ``rate_limited`` ones
without it, after a second) are retried while there is time (a way into a room for 15 s at
most; a bot refused a new room quick-joins instead). A **lost seat** is a resume attempted
within the seat grace that still failed.

Bots connect from ``addresses`` loopback addresses (127.0.1.1, 127.0.1.2, ...), a few bots
on each, like players behind home routers: the server's per-address limits apply to them as
they would on the internet, with the server's default flags.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp

from bench.soak.workers import Deadline, WorkerPlan
from client import TickwireClient, TickwireError
from client.bots.behaviours import Wander

T = TypeVar("T")
ACTIONS, WEIGHTS = ("drop", "leave", "quit"), (5, 3, 2)
RESUME_DELAY = 0.3  # the shortest pause between a drop and its resume
RAMP_SECONDS = 10.0  # bots arrive spread over this long (or a quarter of the run)
MAX_LOST_SHOWN = 50
ENTER_PATIENCE = 15.0  # seconds a bot keeps retrying one way into a room
MAX_CODES = 64
RETRIED_CODES = {"connect_failed": 0.5, "server_full": 0.5, "rate_limited": 1.0}


def error_code(error: BaseException) -> str:
    """A refusal's code, or the exception's type name."""
    return getattr(error, "code", None) or type(error).__name__


def bot_address(index: int, addresses: int) -> str:
    """The loopback address bot number ``index`` (over every process) connects from."""
    return f"127.0.1.{index % addresses + 1}"


def client_from(name: str, address: str) -> TickwireClient:
    """A client whose connections come from ``address`` (python-engineio opens each one with
    an HTTP session from its ``http_factory``, the factory form of ``http_session``)."""
    client = TickwireClient(name)
    client.sio.eio.http_factory = lambda: aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(local_addr=(address, 0)))
    return client


def retry_delay(error: TickwireError) -> float | None:
    """Seconds to wait before trying again, or None when a retry is pointless. Honours a
    ``retry_after`` on the refusal when the client library provides one."""
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, int | float) and retry_after >= 0:
        return float(retry_after)
    return RETRIED_CODES.get(error.code)


class Swarm:
    """The bots of one worker process and what they share: counters and room codes.

    Options: ``bots`` (how many), ``first`` (the number of the first, over every process),
    ``addresses`` (how many source addresses all bots share), ``churn_seconds``,
    ``seat_grace``.
    """

    def __init__(self, plan: WorkerPlan, deadline: Deadline) -> None:
        self.plan = plan
        self.deadline = deadline
        self.churn_seconds: float = plan.options["churn_seconds"]
        self.seat_grace: float = plan.options["seat_grace"]
        rng = random.Random(plan.seed)
        first, addresses = plan.options["first"], plan.options["addresses"]
        self.bots = [ChurningBot(f"soak-{plan.index}-{n}", random.Random(rng.random()), self,
                                 bot_address(first + n, addresses))
                     for n in range(plan.options["bots"])]
        self.codes: deque[str] = deque(maxlen=MAX_CODES)
        self.actions: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.lost: list[str] = []
        self.seats_lost = 0
        self.late_resumes = 0
        self.inputs = 0
        self.connected_at_end = 0

    async def run(self) -> None:
        """Every bot lives until the deadline; they arrive over the first seconds."""
        ramp = min(RAMP_SECONDS, self.deadline.left() / 4) / max(1, len(self.bots))
        await asyncio.gather(*(bot.live(n * ramp) for n, bot in enumerate(self.bots)))

    def snapshot(self) -> dict[str, Any]:
        """Counters so far."""
        return {"bots": len(self.bots),
                "connected": sum(bot.client.connected for bot in self.bots),
                "in_room": sum(bot.client.joined is not None for bot in self.bots),
                "actions": dict(self.actions), "errors": dict(self.errors),
                "seats_lost": self.seats_lost, "lost": list(self.lost),
                "late_resumes": self.late_resumes, "inputs": self.inputs,
                "connected_at_end": self.connected_at_end}

    def lose_seat(self, name: str, code: str, after: float) -> None:
        """Record a seat lost within its grace."""
        self.seats_lost += 1
        if len(self.lost) < MAX_LOST_SHOWN:
            self.lost.append(f"{name}: {code} {after:.1f} s after its drop")


class ChurningBot:
    """One bot; see the module docstring."""

    def __init__(self, name: str, rng: random.Random, swarm: Swarm, address: str) -> None:
        self.name = name
        self.rng = rng
        self.swarm = swarm
        self.address = address
        self.behaviour = Wander(rng)
        self.client = client_from(name, address)
        self.attempted_at = 0.0

    async def live(self, delay: float) -> None:
        """Churn until the deadline, then disconnect."""
        swarm = self.swarm
        await asyncio.sleep(delay)
        while not swarm.deadline.passed():
            try:
                await self._cycle()  # the action under way at the deadline is completed
            except Exception as error:  # a soak bot survives anything and counts it
                swarm.errors[error_code(error)] += 1
                await self._new_client()
                await asyncio.sleep(min(self.rng.uniform(0.5, 2.0), swarm.deadline.left()))
        swarm.connected_at_end += self.client.connected
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.client.disconnect(), 5)

    async def _cycle(self) -> None:
        client, swarm = self.client, self.swarm
        if not client.connected:
            await self._retrying(lambda: client.connect(swarm.plan.url))
        if client.joined is None:
            await self._enter()
        await self._play(time.monotonic() + self.rng.expovariate(1 / swarm.churn_seconds))
        if swarm.deadline.passed() or not client.connected or client.joined is None:
            return  # the run ended, or the room closed under us: enter afresh next time
        action = self.rng.choices(ACTIONS, WEIGHTS)[0]
        if action == "drop":
            await self._drop_and_resume()
        elif action == "leave":
            await self._leave_and_rejoin()
        else:
            await self._quit()

    async def _enter(self) -> None:
        client, swarm, roll = self.client, self.swarm, self.rng.random()
        if swarm.codes and roll < 0.4:
            code = self.rng.choice(swarm.codes)
            if await self._join(code):
                swarm.actions["join_by_code"] += 1
                return
            with contextlib.suppress(ValueError):
                swarm.codes.remove(code)
        if roll < 0.7:
            try:
                created = await self._retrying(lambda: client.create_room(max_players=8),
                                               self._patience())
            except TickwireError as error:  # the address or the server has rooms enough
                if error.code not in ("rate_limited", "server_busy"):
                    raise
                swarm.errors[error.code] += 1
            else:
                await client.start()
                swarm.codes.append(created.code)
                swarm.actions["create"] += 1
                return
        await self._retrying(client.quick_join, self._patience())
        swarm.actions["quick_join"] += 1

    async def _join(self, code: str) -> bool:
        """Join by code; False (counted) when that room is full or gone."""
        try:
            await self._retrying(lambda: self.client.join(code=code), self._patience())
            return True
        except TickwireError as error:
            if error.code not in ("room_full", "room_not_found"):
                raise
            self.swarm.errors[error.code] += 1
            return False

    async def _play(self, until: float) -> None:
        client = self.client
        assert client.room is not None
        step = 1.0 / client.room["tick_rate"]
        loop = asyncio.get_running_loop()
        next_input = loop.time()
        while (time.monotonic() < until and not self.swarm.deadline.passed()
               and client.connected and client.joined is not None):
            mirror = client.mirror
            if mirror is not None and mirror.synced:
                await client.send_input(**self.behaviour.decide(mirror))
                self.swarm.inputs += 1
            next_input += step
            await asyncio.sleep(max(0.0, next_input - loop.time()))

    async def _drop_and_resume(self) -> None:
        client, swarm = self.client, self.swarm
        token = client.token
        await client.drop_connection()
        dropped = time.monotonic()
        swarm.actions["drop"] += 1
        longest = max(RESUME_DELAY, min(5.0, swarm.seat_grace / 4))
        await asyncio.sleep(self.rng.uniform(RESUME_DELAY, longest))
        grace_ends = dropped + swarm.seat_grace
        self.attempted_at = time.monotonic()
        try:
            await self._retrying(lambda: client.connect(swarm.plan.url), grace_ends)
            await self._retrying(lambda: client.resume(token or ""), grace_ends)
        except Exception as error:
            swarm.errors[error_code(error)] += 1
            if self.attempted_at < grace_ends:
                swarm.lose_seat(self.name, error_code(error), self.attempted_at - dropped)
            else:
                swarm.late_resumes += 1
            await self._new_client()
            return
        swarm.actions["resume"] += 1

    async def _leave_and_rejoin(self) -> None:
        client = self.client
        assert client.joined is not None
        code = client.joined.code
        await client.leave()
        self.swarm.actions["leave"] += 1
        await asyncio.sleep(self.rng.uniform(0.2, 2.0))
        if await self._join(code):
            self.swarm.actions["rejoin"] += 1

    async def _quit(self) -> None:
        await self.client.disconnect()
        self.swarm.actions["quit"] += 1
        await asyncio.sleep(self.rng.uniform(0.5, 3.0))
        self.client = client_from(self.name, self.address)

    async def _new_client(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.client.disconnect(), 5)
        self.client = client_from(self.name, self.address)

    def _patience(self) -> float:
        """Until when one way into a room is worth retrying."""
        return min(self.swarm.deadline.until, time.monotonic() + ENTER_PATIENCE)

    async def _retrying(self, call: Callable[[], Awaitable[T]], until: float | None = None
                        ) -> T:
        """``call()``, again after refusals worth retrying, while it can start before
        ``until`` (the run's deadline by default)."""
        until = self.swarm.deadline.until if until is None else until
        while True:
            self.attempted_at = time.monotonic()
            try:
                return await call()
            except TickwireError as error:
                wait = retry_delay(error)
                if wait is None or time.monotonic() + wait >= until:
                    raise
                self.swarm.errors[error.code] += 1
                await asyncio.sleep(wait)
