"""Bad input gets a clear error and costs nothing else: the room keeps ticking for others."""

from __future__ import annotations

import asyncio

import aiohttp
import msgpack
import pytest

from server.games import GAMES
from server.games.base import Game, Player
from tests.helpers import refusal
from tests.rawsocket import RawSocket


@pytest.fixture
async def room_with_bystander(connect):
    """A room with a well-behaved player, and that player's client."""
    bystander = await connect("bystander")
    created = await bystander.create_room(max_spectators=2)
    await bystander.wait_until(lambda m: m.ack == 0 and m.synced)
    return created, bystander


async def assert_still_ticking(bystander, ticks: int = 10) -> None:
    """The bystander keeps playing: each input applied, every tick received, no gap."""
    for _ in range(ticks):
        seq = await bystander.send_input(dx=0.1, dy=0.0, aim=0.0, fire=False)
        await bystander.wait_until(lambda m, seq=seq: m.ack == seq)
    assert bystander.resyncs == 0 and bystander.mirror.gaps == 0


@pytest.mark.parametrize("payload, complaint", [
    ("left", "list"),
    ({"dx": 1}, "list"),
    ([1, "fast", 0.0, 0.0, False], "dx"),
    ([1, 0.0, 99.0, 0.0, False], "dy"),
    ([1, 0.0, 0.0, float("inf"), False], "aim"),
    ([1, 0.0, 0.0, 0.0, "yes"], "fire"),
    ([-3, 0.0, 0.0, 0.0, False], "seq"),
    ([1, 0.0, 0.0], "list"),
])
async def test_malformed_inputs_get_bad_input(room_with_bystander, connect, payload, complaint):
    created, bystander = room_with_bystander
    attacker = await connect("attacker")
    await attacker.join(code=created.code)
    await attacker.send_raw("i", payload)
    error = await attacker.wait_for_error("bad_input")
    assert complaint in error["message"] and error["event"] == "i"
    await assert_still_ticking(bystander)


async def test_unknown_events_are_answered_with_an_error(room_with_bystander, connect):
    _, bystander = room_with_bystander
    attacker = await connect("attacker")
    assert (await refusal(attacker.request("teleport", {"x": 1}))).code == "unknown_event"
    await attacker.send_raw("explode", 1)
    error = await attacker.wait_for_error("unknown_event", event="explode")
    assert "explode" in error["message"]
    await assert_still_ticking(bystander)


async def test_oversized_messages_are_refused(tickwire, room_with_bystander, connect):
    created, bystander = room_with_bystander
    attacker = await connect("attacker")
    await attacker.join(code=created.code)
    await attacker.send_raw("i", [1, "x" * 4200, 0.0, 0.0, False])
    error = await attacker.wait_for_error("payload_too_large")
    assert "4096" in error["message"]
    assert tickwire.lobby.stats.traffic.rejected_in >= 1
    await assert_still_ticking(bystander)
    assert attacker.connected


async def test_input_outside_a_room_and_from_a_spectator(room_with_bystander, connect):
    created, bystander = room_with_bystander
    loner = await connect("loner")
    await loner.sio.emit("i", [1, 0.0, 0.0, 0.0, False])
    assert (await loner.wait_for_error("not_in_room"))["event"] == "i"
    watcher = await connect("watcher")
    await watcher.join(code=created.code, spectate=True)
    await watcher.sio.emit("i", [1, 0.0, 0.0, 0.0, False])
    assert (await watcher.wait_for_error("spectator_input"))["event"] == "i"
    await assert_still_ticking(bystander)


@pytest.mark.parametrize("event, payload, code", [
    ("create", {"max_players": 0}, "bad_request"),
    ("create", {"max_players": "8"}, "bad_request"),
    ("create", {"settings": {"npcs": 1000}}, "bad_settings"),
    ("create", {"settings": {"gravity": 1}}, "bad_settings"),
    ("create", {"game": "chess"}, "unknown_game"),
    ("create", {"colour": "red"}, "bad_request"),
    ("create", [1, 2], "bad_request"),
    ("join", {"code": 123456}, "bad_request"),
    ("join", {"code": "x" * 100}, "bad_request"),
    ("kick", {"player_id": 1}, "not_in_room"),
    ("sync", {}, "not_in_room"),
])
async def test_bad_requests_are_answered_with_codes(room_with_bystander, connect, event,
                                                    payload, code):
    _, bystander = room_with_bystander
    client = await connect("client")
    error = await refusal(client.request(event, payload))
    assert error.code == code and error.message
    await assert_still_ticking(bystander, ticks=3)


async def test_malformed_packets_from_a_raw_socket(tickwire, room_with_bystander):
    _, bystander = room_with_bystander
    garbage = [
        b"\xc1\xc1 not msgpack",
        msgpack.packb({"type": 2, "nsp": "/", "data": "not a list"}),
        msgpack.packb([1, 2, 3]),
        msgpack.packb({"type": 5, "nsp": "/", "data": ["i", 1]}),
        msgpack.packb({"type": 2, "nsp": "/", "data": [7, 1]}),
        msgpack.packb({"type": 2, "nsp": "/", "data": ["disconnect", "not for clients"]}),
        msgpack.packb({"type": 2, "nsp": "/", "data": ["*"]}),  # python-socketio's catch-all
        b"",
    ]
    for frames in (garbage[:4], garbage[4:]):  # error events are limited to 5 a second
        raw = RawSocket(tickwire.url)
        try:
            assert (await raw.open())["type"] == 0
            for frame in frames:
                await raw.send_bytes(frame)
                error = await raw.next_event("error")
                assert error["code"] == "bad_request", error
        finally:
            await raw.close()
    await assert_still_ticking(bystander)


class Faulty(GAMES["arena"]):
    """The arena, except that stepping to tick 5 raises."""

    name = "faulty"

    def step(self, tick: int) -> None:
        if tick == 5:
            raise RuntimeError("boom")
        super().step(tick)


class ClumsyInputs(GAMES["arena"]):
    """The arena, except that firing crashes the input handler."""

    name = "clumsy"

    def apply(self, player: Player, values: dict) -> None:
        if values["fire"]:
            raise ValueError("cannot fire")
        super().apply(player, values)


@pytest.fixture
def server_games() -> dict[str, type[Game]]:
    return {**GAMES, "faulty": Faulty, "clumsy": ClumsyInputs}


async def test_a_crashing_game_closes_only_its_room(tickwire, room_with_bystander, connect,
                                                     caplog):
    _, bystander = room_with_bystander
    victim = await connect("victim")
    created = await victim.create_room(game="faulty")
    room = tickwire.lobby.rooms[created.room["id"]]
    await asyncio.wait_for(room.wait_closed(), timeout=5)
    reason = await victim.wait_closed()
    assert reason["code"] == "game_error"
    assert any(created.room["id"] in r.getMessage() for r in caplog.records)
    await assert_still_ticking(bystander)


async def test_a_crashing_input_handler_drops_only_that_input(tickwire, connect):
    player = await connect("player")
    created = await player.create_room(game="clumsy")
    await player.send_input(dx=0.0, dy=0.0, aim=0.0, fire=True)
    await player.send_input(dx=1.0, dy=0.0, aim=0.0, fire=False)
    mirror = await player.wait_until(lambda m: m.ack == 2)
    assert mirror.me() is not None
    assert tickwire.lobby.stats.inputs.failed == 1
    assert created.room["id"] in tickwire.lobby.rooms


async def test_error_events_are_capped_per_second_and_counted(tickwire, connect):
    client = await connect("noisy")
    for _ in range(8):  # eight bad inputs at once: five error events, three counted only
        await client.sio.emit("i", "nonsense")
    await client.wait_for_error("not_in_room")
    await client.ping()  # everything sent before this answer has been handled
    assert tickwire.lobby.stats.traffic.errors_suppressed == 3
    async with aiohttp.ClientSession() as http, http.get(tickwire.url + "/metrics") as reply:
        assert "tickwire_errors_suppressed_total 3.0" in await reply.text()
