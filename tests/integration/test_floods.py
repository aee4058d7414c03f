"""Floods of messages that are not inputs: every kind is counted, refused and cut within 2 s,
and a room beside the flood keeps every tick."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import msgpack
import pytest

from shared.protocol import VERSION
from tests.helpers import assert_consecutive, config_with, record_ticks, refusal
from tests.rawsocket import RawSocket

CUT_WITHIN = 2.0  # seconds from the first refused message to the cut
BURST = 200
ACK, CONNECT, DISCONNECT, EVENT, CONNECT_ERROR = 3, 0, 1, 2, 4


@pytest.fixture
def server_config():
    return config_with(flood_refusals=1000, flood_seconds=1.5)


async def until_cut(raw: RawSocket, send_burst: Callable[[], Awaitable[None]],
                    pause: float = 0.005, limit: float = 10.0) -> float:
    """Send bursts ``pause`` seconds apart until the server closes the websocket; seconds it
    took (fails after ``limit``)."""
    began = time.monotonic()
    closed = asyncio.ensure_future(raw.wait_closed())
    try:
        while not closed.done() and time.monotonic() - began < limit:
            try:
                await send_burst()
            except ConnectionError:
                break
            await asyncio.sleep(pause)
        await asyncio.wait_for(closed, 3)
    finally:
        closed.cancel()
    return time.monotonic() - began


async def flood_beside_a_bystander(tickwire, connect, packet: dict) -> float:
    """A room ticks while a raw connection floods ``packet``; returns how long the flood
    lasted, after checking the room missed no tick and none started a whole step late."""
    bystander = await connect("bystander")
    await bystander.create_room(settings={"npcs": 4})
    ticks = record_ticks(bystander)
    clock = tickwire.lobby.stats.clock
    overruns = clock.overrun
    raw = RawSocket(tickwire.url)
    try:
        await raw.open()
        frame = msgpack.packb(packet)

        async def burst() -> None:
            for _ in range(BURST):
                await raw.send_bytes(frame)

        lasted = await until_cut(raw, burst)
    finally:
        await raw.close()
    await bystander.wait_until(lambda mirror: len(ticks) > 5)
    assert_consecutive(ticks)
    assert clock.overrun == overruns
    return lasted


@pytest.mark.parametrize("packet", [
    {"type": ACK, "nsp": "/", "data": [{"ok": True}], "id": 1},
    {"type": EVENT, "nsp": "/x", "data": ["ping", {}], "id": 1},
    {"type": CONNECT_ERROR, "nsp": "/", "data": {"message": "no"}},
    {"type": CONNECT, "nsp": "/", "data": {"v": VERSION}},  # already connected
    {"type": 9, "nsp": "/", "data": []},
], ids=["ack", "foreign-namespace", "connect-error", "connect-again", "unknown-type"])
async def test_any_flood_is_cut_within_two_seconds(tickwire, connect, packet):
    lasted = await flood_beside_a_bystander(tickwire, connect, packet)
    assert lasted < CUT_WITHIN
    assert tickwire.lobby.stats.cuts["flood"] == 1
    refusals = tickwire.lobby.stats.refusals
    assert refusals["bad_request"] >= BURST - 50  # refused for what they are, at first
    assert refusals["bad_request"] + refusals["rate_limited"] > 900


async def test_a_flood_of_valid_requests_is_cut_by_the_message_rate(tickwire, connect):
    lasted = await flood_beside_a_bystander(
        tickwire, connect, {"type": EVENT, "nsp": "/", "data": ["ping", {}], "id": 1})
    assert lasted < CUT_WITHIN
    assert tickwire.lobby.stats.refusals["rate_limited"] > 900


async def test_floods_do_not_flood_the_log(tickwire, connect, caplog):
    caplog.set_level(logging.INFO)
    await flood_beside_a_bystander(
        tickwire, connect, {"type": CONNECT_ERROR, "nsp": "/", "data": {"message": "x"}})
    records = [r for r in caplog.records if r.name.startswith(("tickwire", "server"))]
    assert len(records) < 20, [r.getMessage() for r in records[:20]]
    assert not any(r.exc_info for r in records)


async def test_leaving_and_joining_the_namespace_keeps_the_flood_record(tickwire):
    """Limits belong to the connection: DISCONNECT then CONNECT between bursts of refused
    events (a fresh namespace session each time) does not wipe the record."""
    raw = RawSocket(tickwire.url)
    try:
        await raw.open()
        unknown = msgpack.packb({"type": EVENT, "nsp": "/", "data": ["no-such-event", 1]})
        leave = msgpack.packb({"type": DISCONNECT, "nsp": "/"})
        rejoin = msgpack.packb({"type": CONNECT, "nsp": "/", "data": {"v": VERSION}})

        async def burst() -> None:
            for _ in range(20):  # each one refused: unknown_event
                await raw.send_bytes(unknown)
            await raw.send_bytes(leave)
            await raw.send_bytes(rejoin)

        lasted = await until_cut(raw, burst, pause=0.3)
    finally:
        await raw.close()
    assert tickwire.lobby.stats.cuts["flood"] == 1
    assert lasted < 1.5 + CUT_WITHIN


async def test_honest_refusals_do_not_count_as_a_flood(tickwire, connect):
    """Inputs still in flight after leaving a room are refused (not_in_room), as are requests
    for a full room: answers to an honest client, never a reason to cut it."""
    host = await connect("host")
    joined = await host.create_room(max_players=1)
    client = await connect("honest")
    for index in range(40):  # 2 s of refusals at 20 a second, longer than flood_seconds
        if index % 10 == 0:
            await refusal(client.join(code=joined.code))
        await client.send_raw("i", [index + 1, 0.0, 0.0, 0.0, False])
        await asyncio.sleep(0.05)
    assert await client.ping() < 5
    assert tickwire.lobby.stats.refusals["room_full"] == 4
    assert tickwire.lobby.stats.refusals["not_in_room"] == 40
    assert not tickwire.lobby.stats.cuts
