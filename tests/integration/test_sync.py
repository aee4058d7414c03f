"""State sync over real sockets: movement, mirrors equal to the server, keyframes, acks."""

from __future__ import annotations

import asyncio
import random

from shared.games.arena import RULES
from shared.protocol import STATE
from tests.helpers import record_client_digests, record_server_digests
from tests.rawsocket import RawSocket


async def play(client, ticks: int, rng: random.Random, tick_rate: int = 20) -> None:
    """Send random inputs at the tick rate."""
    for _ in range(ticks):
        await client.send_input(dx=rng.uniform(-1, 1), dy=rng.uniform(-1, 1),
                                aim=rng.uniform(-3, 3), fire=rng.random() < 0.3)
        await asyncio.sleep(1 / tick_rate)


async def test_every_mirror_equals_the_server_tick_by_tick(tickwire, connect):
    host = await connect("host")
    created = await host.create_room(settings={"npcs": 8})
    await host.start()
    room = tickwire.lobby.rooms[created.room["id"]]
    server_digests = record_server_digests(room)
    guests = [await connect(f"guest{i}") for i in range(2)]
    for guest in guests:
        await guest.join(code=created.code)
    players = [host, *guests]
    client_digests = [record_client_digests(client) for client in players]
    rng = random.Random(7)
    await asyncio.gather(*(play(client, 40, rng) for client in players))
    last = room.tick
    await asyncio.gather(*(c.wait_until(lambda m: m.tick >= last) for c in players))
    for digests in client_digests:
        compared = [tick for tick in digests if tick in server_digests]
        assert len(compared) >= 30
        assert all(digests[tick] == server_digests[tick] for tick in compared)
    assert all(client.resyncs == 0 for client in players)


async def test_two_clients_see_each_other_move(connect):
    mover, watcher = await connect("mover"), await connect("watcher")
    created = await mover.create_room(settings={"npcs": 0})
    await watcher.join(code=created.code)
    me = (await watcher.wait_until(lambda m: m.entity(created.player_id) is not None)
          ).entity(created.player_id)
    direction = 1.0 if me["x"] < RULES.world / 2 else -1.0
    for _ in range(10):
        await mover.send_input(dx=direction, dy=0.0, aim=0.0, fire=False)
        await asyncio.sleep(0.05)
    moved = await watcher.wait_until(lambda m: m.acks.get(created.player_id) == 10)
    there = moved.entity(created.player_id)
    assert there["x"] == me["x"] + direction * 75.0  # 10 inputs x 150 u/s x 50 ms
    assert there["y"] == me["y"]
    assert mover.mirror.ack == 10


async def test_a_late_joiner_gets_a_keyframe_and_converges(tickwire, connect):
    host = await connect("host")
    created = await host.create_room(settings={"npcs": 6})
    room = tickwire.lobby.rooms[created.room["id"]]
    await play(host, 20, random.Random(1))
    server_digests = record_server_digests(room)
    late = await connect("late")
    joined_tick = room.tick
    await late.join(code=created.code)
    assert late.mirror.tick == joined_tick  # the keyframe came with the answer
    late_digests = record_client_digests(late)
    await asyncio.gather(play(host, 20, random.Random(2)), play(late, 20, random.Random(3)))
    last = room.tick
    await late.wait_until(lambda m: m.tick >= last)
    compared = [tick for tick in late_digests if tick in server_digests]
    assert len(compared) >= 15
    assert all(late_digests[tick] == server_digests[tick] for tick in compared)


async def test_stale_and_duplicate_inputs_are_ignored(tickwire, connect):
    client = await connect("p")
    created = await client.create_room(settings={"npcs": 0})
    stats = tickwire.lobby.stats.inputs
    stale_before = stats.stale
    for seq in (5, 3, 5, 4):
        await client.sio.emit("i", [seq, 0.0, 0.0, 0.0, False])
    await client.sio.emit("i", [6, 0.0, 0.0, 0.0, False])
    mirror = await client.wait_until(lambda m: m.acks.get(created.player_id) == 6)
    assert mirror.ack == 6
    assert stats.stale - stale_before == 3


async def test_a_burst_above_the_per_tick_cap_is_refused(tickwire, connect):
    client = await connect("p")
    created = await client.create_room(settings={"npcs": 0})
    for seq in range(1, 13):
        await client.sio.emit("i", [seq, 0.0, 0.0, 0.0, False])
    error = await client.wait_for_error("input_overflow")
    assert error["event"] == "i"
    mirror = await client.wait_until(lambda m: m.acks.get(created.player_id, 0) > 0)
    assert mirror.ack < 12
    assert tickwire.lobby.stats.inputs.overflow > 0


async def test_a_tick_gap_is_healed_with_a_keyframe(tickwire, connect):
    client = await connect("p")
    created = await client.create_room(settings={"npcs": 3})
    room = tickwire.lobby.rooms[created.room["id"]]
    await client.wait_until(lambda m: m.tick >= room.tick)
    client.mirror.tick -= 1  # pretend a state message was lost
    await client.wait_until(lambda m: client.resyncs == 1 and m.synced and m.tick > room.tick - 1)
    server_digests = record_server_digests(room)
    digests = record_client_digests(client)
    target = room.tick + 5
    await client.wait_until(lambda m: m.tick >= target)
    compared = [tick for tick in digests if tick in server_digests]
    assert compared and all(digests[tick] == server_digests[tick] for tick in compared)


async def test_a_request_and_an_input_in_one_segment_keep_their_order(tickwire):
    """The input fast lane must not overtake a request that arrived just before it."""
    raw = RawSocket(tickwire.url)
    try:
        await raw.open()
        await raw.send_together({"type": 2, "nsp": "/", "data": ["create", {}], "id": 1},
                                {"type": 2, "nsp": "/", "data": ["i", [1, 1.0, 0.0, 0.0, False]]})
        answer = await raw.next_packet()
        assert answer["type"] == 3 and answer["data"][0]["ok"], answer
        player_id = answer["data"][0]["player_id"]
        while True:
            event, payload = (await raw.next_packet())["data"][:2]
            assert event != "error", payload  # e.g. not_in_room had the input gone first
            acks = payload[STATE.acks] if event == "s" and len(payload) > STATE.acks else []
            if player_id in acks[0::2]:
                break
    finally:
        await raw.close()
