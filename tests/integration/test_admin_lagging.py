"""A room whose ticks take too long is shown lagging, slowest first, with its tick p99."""

from __future__ import annotations

import asyncio
import time

import pytest

from server.games.arena import Arena
from tests.helpers import ADMIN_TOKEN, admin_call, config_with


class SlowArena(Arena):
    """The arena, with every tick taking 30 ms of a 50 ms step."""

    name = "slow"

    def step(self, tick: int) -> None:
        time.sleep(0.03)
        super().step(tick)


@pytest.fixture
def server_config():
    return config_with(admin_token=ADMIN_TOKEN)


@pytest.fixture
def server_games():
    return {Arena.name: Arena, SlowArena.name: SlowArena}


async def test_a_slow_room_is_lagging_and_listed_first(tickwire, connect):
    slow = await (await connect("slowpoke")).create_room(game="slow")
    quick = await (await connect("quick")).create_room()

    async def rows() -> dict[str, dict]:
        _, body = await admin_call(tickwire.url, "GET", "/api/admin/rooms")
        return {row["id"]: row for row in body["rooms"]}

    async with asyncio.timeout(5):
        while not (listed := await rows())[slow.room["id"]]["lagging"]:
            await asyncio.sleep(0.2)
    assert listed[slow.room["id"]]["tick_p99_ms"] >= 30
    assert listed[quick.room["id"]]["tick_p99_ms"] < 25
    _, body = await admin_call(tickwire.url, "GET", "/api/admin/rooms")
    assert body["rooms"][0]["id"] == slow.room["id"]
