"""Helpers shared by test modules (fixtures live in the conftest.py files)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import os
import random
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from client import TickwireClient, TickwireError
from client.bots.behaviours import Wander
from server.app import LOBBY
from server.budget import CpuMeter, RoomBudget
from server.config import ServerConfig
from server.lobby import Lobby
from server.room import Room

ROOT = Path(__file__).parents[1]
TEST_CONFIG = ServerConfig(host="127.0.0.1", port=0, empty_room_grace=0.3, web_root="",
                           data_dir="")

ClientFactory = Callable[..., Awaitable[TickwireClient]]


class RunningServer:
    """A server under test: its URL and its in-process lobby (for checking server state)."""

    def __init__(self, server: TestServer) -> None:
        self.server = server
        self.url = str(server.make_url("")).rstrip("/")
        self.lobby: Lobby = server.app[LOBBY]


def config_with(**changes: Any) -> ServerConfig:
    """The test configuration with some fields changed."""
    return dataclasses.replace(TEST_CONFIG, **changes)


async def refusal(attempt: Awaitable[object]) -> TickwireError:
    """The error the server answers ``attempt`` with (fails the test if it succeeds)."""
    with pytest.raises(TickwireError) as refused:
        await attempt
    return refused.value


def record_server_digests(room: Room) -> dict[int, str]:
    """Spy on a room: the canonical digest of every state it broadcasts, by tick."""
    digests: dict[int, str] = {}
    advance = room.sync.advance

    def recording(*args: Any, **kwargs: Any) -> Any:
        message = advance(*args, **kwargs)
        digests[room.sync.tick] = room.sync.digest()
        return message

    room.sync.advance = recording
    return digests


def record_client_digests(client: TickwireClient) -> dict[int, str]:
    """The digest of a client's mirror after every update, by tick."""
    digests: dict[int, str] = {}
    client.on_state(lambda mirror: digests.__setitem__(mirror.tick, mirror.digest()))
    return digests


def record_ticks(client: TickwireClient) -> list[int]:
    """Every tick the client's mirror reaches from now on, in order."""
    ticks: list[int] = []
    client.on_state(lambda mirror: ticks.append(mirror.tick))
    return ticks


def assert_consecutive(ticks: list[int]) -> None:
    """Ticks were seen, and not one was missed or repeated."""
    assert ticks, "no tick seen"
    gaps = [(a, b) for a, b in itertools.pairwise(ticks) if b != a + 1]
    assert not gaps, f"ticks not consecutive: {gaps[:5]}"


async def bots_in_a_started_room(connect: Callable[[str], Awaitable[TickwireClient]],
                                 count: int, **create: Any) -> tuple[list[TickwireClient], Any]:
    """``count`` bots named ``bot0``, ``bot1``...: the first creates a room with a seat to spare
    (for a browser player; ``create`` goes to ``create_room``), the others join it by its code,
    and the first starts the game. Returns the bots and the room."""
    bots = [await connect(f"bot{index}") for index in range(count)]
    room = await bots[0].create_room(max_players=count + 1, **create)
    for bot in bots[1:]:
        await bot.join(code=room.code)
    await bots[0].start()
    return bots, room


@contextlib.asynccontextmanager
async def wandering(bots: list[TickwireClient], seed: int) -> AsyncIterator[None]:
    """While the block runs, each bot plays with a ``Wander`` behaviour seeded from ``seed``:
    one input per tick (20 Hz), as ``python -m client.bots`` does."""
    rng = random.Random(seed)
    behaviours = [Wander(random.Random(rng.random())) for _ in bots]

    async def play() -> None:
        while True:
            for bot, behaviour in zip(bots, behaviours, strict=True):
                if bot.mirror is not None and bot.mirror.synced:
                    await bot.send_input(**behaviour.decide(bot.mirror))
            await asyncio.sleep(0.05)  # the tick period: pacing, not synchronisation

    async with in_background(play()):
        yield


@contextlib.asynccontextmanager
async def in_background(work: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """Run ``work`` as a task while the block runs; cancel it and wait for it at the end."""
    task = asyncio.create_task(work)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def free_port() -> int:
    """A loopback TCP port nobody listens on (right now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def start_server(*flags: str, env: dict[str, str] | None = None
                       ) -> asyncio.subprocess.Process:
    """``python -m server`` in a subprocess; returns once it prints that it listens."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server", *flags, cwd=ROOT,
        env={**os.environ, "TICKWIRE_WEB_ROOT": "", "TICKWIRE_DATA_DIR": "", **(env or {})},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    async with asyncio.timeout(20):
        while b"listening" not in (line := await process.stdout.readline()).lower():
            assert line, "the server exited before listening"
    return process


def replace_budget(tickwire: RunningServer, monkeypatch: pytest.MonkeyPatch,
                   meter: CpuMeter | None = None, **limits: Any) -> None:
    """Give the server's lobby a budget with some limits changed (and another CPU meter)."""
    budget = tickwire.lobby.budget
    monkeypatch.setattr(tickwire.lobby, "budget", RoomBudget(
        dataclasses.replace(budget.limits, **limits), meter or budget.meter))


ADMIN_TOKEN = "admin-token-for-tests"


async def admin_call(url: str, method: str, path: str, body: Any = None,
                     token: str | None = ADMIN_TOKEN) -> tuple[int, Any]:
    """One admin API request against the server at ``url``: the status and the body (JSON
    when it is)."""
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with aiohttp.ClientSession() as http, http.request(
            method, url + path, json=body, headers=headers) as answer:
        if answer.content_type == "application/json":
            return answer.status, await answer.json()
        return answer.status, await answer.text()


@contextlib.asynccontextmanager
async def firing(client: TickwireClient, aim: float) -> AsyncIterator[None]:
    """While inside, ``client`` stands still and fires towards ``aim`` every tick."""

    async def fire() -> None:
        async for _ in client.updates():
            await client.send_input(dx=0.0, dy=0.0, aim=aim, fire=True)

    async with in_background(fire()):
        yield
