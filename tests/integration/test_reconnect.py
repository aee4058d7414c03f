"""Reconnection: a dropped player's seat is held, and resumed with the token."""

from __future__ import annotations

import pytest

from client import TickwireClient, TickwireError
from tests.helpers import config_with, record_client_digests, record_server_digests, refusal


@pytest.fixture
def server_config():
    return config_with(seat_grace=1.5)


async def test_a_dropped_player_resumes_the_same_seat_and_score(tickwire, connect):
    host = await connect("host")
    created = await host.create_room(settings={"npcs": 4})
    player = await connect("player")
    seat = await player.join(code=created.code)
    room = tickwire.lobby.rooms[created.room["id"]]
    await player.wait_until(lambda m: m.me() is not None)
    room.game.ships[seat.player_id].score = 3  # as if the player had scored
    for _ in range(3):
        seq = await player.send_input(dx=0.5, dy=0.0, aim=0.0, fire=False)
        await player.wait_until(lambda m, seq=seq: m.ack == seq)
    old_token = player.token

    await player.drop_connection()
    await host.wait_until(lambda m: _connected(host.room, seat.player_id) is False)
    assert host.mirror.entity(seat.player_id) is not None  # the ship stays in the game

    resumed = await player.reconnect()
    assert resumed.player_id == seat.player_id
    assert player.token != old_token
    assert player.mirror.me()["score"] == 3
    assert player.mirror.ack == 3
    await host.wait_until(lambda m: _connected(host.room, seat.player_id) is True)

    server_digests = record_server_digests(room)
    digests = record_client_digests(player)
    for _ in range(5):  # input continues with the next sequence number
        seq = await player.send_input(dx=-0.5, dy=0.0, aim=0.0, fire=False)
        await player.wait_until(lambda m, seq=seq: m.ack == seq)
    assert seq == 8
    compared = [tick for tick in digests if tick in server_digests]
    assert compared and all(digests[tick] == server_digests[tick] for tick in compared)


async def test_after_the_grace_period_the_seat_is_gone(tickwire, connect):
    host = await connect("host")
    created = await host.create_room(settings={"npcs": 0})
    player = await connect("player")
    seat = await player.join(code=created.code)
    await host.wait_until(lambda m: m.entity(seat.player_id) is not None)
    await player.drop_connection()
    await host.wait_until(lambda m: m.entity(seat.player_id) is None, timeout=5)
    assert [p["id"] for p in host.room["players"]] == [created.player_id]
    assert (await refusal(player.reconnect())).code == "seat_expired"


async def test_a_token_works_once_and_only_for_its_room(tickwire, connect):
    host = await connect("host")
    created = await host.create_room()
    other_room = await (await connect("other")).create_room()
    player = await connect("player")
    await player.join(code=created.code)
    first_token = player.token
    await player.drop_connection()
    await player.reconnect()

    thief = await connect("thief")
    for token, code in ((first_token, "seat_expired"),
                        (other_room.room["id"] + "." + first_token.split(".", 1)[1],
                         "seat_expired"),
                        ("no-dot-here", "bad_token")):
        assert (await refusal(thief.resume(token))).code == code


async def test_a_kicked_player_cannot_resume(tickwire, connect):
    host = await connect("host")
    created = await host.create_room()
    player = await connect("player")
    seat = await player.join(code=created.code)
    token = player.token
    await player.drop_connection()
    await host.wait_until(lambda m: _connected(host.room, seat.player_id) is False)
    await host.kick(seat.player_id)
    assert (await refusal(player.reconnect())).code == "seat_expired"
    assert token == player.token


async def test_resuming_from_a_new_connection_replaces_a_stale_one(tickwire, connect):
    host = await connect("host")
    created = await host.create_room()
    old = await connect("player")
    seat = await old.join(code=created.code)
    new = TickwireClient("player")
    await new.connect(tickwire.url)
    try:
        resumed = await new.resume(old.token)
        assert resumed.player_id == seat.player_id
        assert (await old.wait_closed())["code"] == "replaced"
        with pytest.raises(TickwireError):
            await old.request("sync")
    finally:
        await new.disconnect()


async def test_a_clean_disconnect_frees_the_seat_at_once(tickwire, connect):
    host = await connect("host")
    created = await host.create_room()
    player = await connect("player")
    seat = await player.join(code=created.code)
    await host.wait_until(lambda m: m.entity(seat.player_id) is not None)
    await player.disconnect()
    await host.wait_until(lambda m: m.entity(seat.player_id) is None)
    assert seat.player_id not in [p["id"] for p in host.room["players"]]


def _connected(room_info, player_id):
    return next((p["connected"] for p in room_info["players"] if p["id"] == player_id), None)
