"""The room budget: what clients' rooms may cost, per room, per address and for the server."""

from __future__ import annotations

import asyncio
import time

import pytest

from server.budget import RAMP_SECONDS, CpuMeter
from server.games.arena import Arena
from tests.helpers import config_with, refusal, replace_budget

ARENA_ROOM = Arena.max_entities({"npcs": 6}, 8) * 20  # a default arena room at 20 Hz


@pytest.fixture
def server_config():
    return config_with(max_client_tick_rate=30, max_room_load=ARENA_ROOM * 2,
                       max_load=ARENA_ROOM * 2 + ARENA_ROOM // 2, max_rooms_per_address=3,
                       max_load_per_address=10**9, max_rooms_per_connection=3, busy_cpu=0.0)


async def test_a_client_may_not_ask_for_a_faster_tick_than_the_server_allows(connect):
    client = await connect("fast")
    refused = await refusal(client.create_room(tick_rate=60))
    assert refused.code == "bad_settings" and "30" in refused.message
    await client.create_room(tick_rate=30)


async def test_settings_that_multiply_the_cost_are_capped_per_room(connect):
    client = await connect("greedy")
    assert (await refusal(client.create_room(max_players=32, settings={"npcs": 64}))).code \
        == "bad_settings"
    await client.create_room(max_players=8, settings={"npcs": 6})


async def test_the_server_refuses_rooms_past_its_load_with_server_busy(tickwire, connect):
    first, second, third = [await connect(name) for name in ("first", "second", "third")]
    await first.create_room()
    await second.create_room()
    busy = await refusal(third.create_room())
    assert busy.code == "server_busy" and busy.retry_after > 0
    assert tickwire.lobby.budget.load == 2 * ARENA_ROOM


async def test_one_address_keeps_a_few_rooms_whatever_its_connections(tickwire, connect,
                                                                     monkeypatch):
    replace_budget(tickwire, monkeypatch, max_load=10**9)
    clients = [await connect(f"c{index}") for index in range(4)]
    for client in clients[:3]:
        await client.create_room(settings={"npcs": 0})
    refused = await refusal(clients[3].create_room(settings={"npcs": 0}))
    assert refused.code == "rate_limited" and refused.retry_after > 0


async def test_one_address_may_not_take_the_whole_servers_budget(tickwire, connect,
                                                                monkeypatch):
    replace_budget(tickwire, monkeypatch, max_load=10**9,
                   max_load_per_address=ARENA_ROOM + ARENA_ROOM // 2)
    first, second = await connect("first"), await connect("second")
    await first.create_room()
    refused = await refusal(second.create_room())
    assert refused.code == "rate_limited" and "address" in refused.message


async def test_a_busy_process_gets_no_new_rooms(tickwire, connect, monkeypatch):
    class Busy(CpuMeter):
        busy = 0.99

    replace_budget(tickwire, monkeypatch, meter=Busy(), busy_cpu=0.85)
    client = await connect("late")
    assert (await refusal(client.create_room())).code == "server_busy"


async def test_the_cpu_meter_reads_the_process_cpu():
    meter = CpuMeter()
    meter.start()
    try:
        began = time.process_time()
        while time.process_time() - began < 0.3:  # keep the loop (and a core) busy
            pass
        await _sleep_until_sampled(meter)
        assert meter.busy > 0.2
    finally:
        meter.stop()


async def _sleep_until_sampled(meter: CpuMeter) -> None:
    for _ in range(30):
        if meter.busy:
            return
        await asyncio.sleep(0.1)


async def test_a_burst_of_rooms_is_spread_out_so_the_cpu_meter_can_follow(tickwire, connect,
                                                                         monkeypatch):
    replace_budget(tickwire, monkeypatch, max_load=ARENA_ROOM * 20, max_load_per_address=10**9,
                   max_rooms_per_address=100)
    clients = [await connect(f"b{index}") for index in range(3)]
    await clients[0].create_room()
    await clients[1].create_room()  # the burst: a tenth of 20 rooms' worth
    refused = await refusal(clients[2].create_room())
    assert refused.code == "server_busy" and 0 < refused.retry_after <= RAMP_SECONDS
