"""RedisDirectory against the real Redis: claims, lookups, listings, quick seats, holds."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import math
import socket
import time
from collections.abc import Awaitable

import pytest
from redis.asyncio import Redis

from server.cluster.directory_redis import RedisDirectory, settings_key
from server.cluster.redis_link import connect
from server.directory import RoomListing
from shared.protocol import ProtocolError
from tests.cluster.helpers import NodeFactory
from tests.helpers import free_port


async def test_claimed_rooms_are_found_listed_and_removed(make_node: NodeFactory) -> None:
    node = await make_node("n1")
    other = await make_node("n2")
    lobby = await node.open_room("AAAAAA", players=2)
    private = await node.open_room("BBBBBB", public=False)
    full = await other.open_room("CCCCCC", players=4, max_players=4)
    other_game = await other.open_room("DDDDDD", game="tag")

    assert await other.directory.by_code("AAAAAA") == lobby
    assert await other.directory.by_id(private.id) == private
    assert await other.directory.by_code("ZZZZZZ") is None
    assert await other.directory.public() == [lobby, full, other_game]
    assert await other.directory.public("arena") == [lobby, full]
    assert await other.directory.public("arena", open_only=True) == [lobby]
    assert await other.directory.public(limit=2) == [lobby, full]

    await node.directory.remove(lobby.id)
    assert await other.directory.by_code("AAAAAA") is None
    assert await other.directory.by_id(lobby.id) is None
    assert await other.directory.public("arena") == [full]
    again = await other.open_room("AAAAAA")  # the code is free again
    assert await node.directory.by_code("AAAAAA") == again


async def test_update_changes_what_everyone_sees(make_node: NodeFactory) -> None:
    node = await make_node("n1")
    other = await make_node("n2")
    room = await node.open_room("EEEEEE", players=1)
    changed = dataclasses.replace(room, players=3, spectators=2, started=True)
    await node.directory.update(changed)
    assert await other.directory.by_code("EEEEEE") == changed


async def test_a_code_is_claimed_by_one_room_cluster_wide(make_node: NodeFactory) -> None:
    nodes = [await make_node(f"n{i}") for i in range(3)]
    attempts = [_listing("FFFFFF", id=f"room-{i}", node=nodes[i % 3].id) for i in range(30)]
    won = await asyncio.gather(*(nodes[i % 3].directory.claim(listing)
                                 for i, listing in enumerate(attempts)))
    assert won.count(True) == 1
    winner = attempts[won.index(True)]
    assert await nodes[0].directory.by_code("FFFFFF") == winner
    # The winner may claim its own room again (re-registration); others still may not.
    assert await nodes[won.index(True) % 3].directory.claim(winner)
    assert not await nodes[0].directory.claim(dataclasses.replace(winner, id="another"))


async def test_quick_seat_storm_never_overfills_and_opens_only_needed_rooms(
        make_node: NodeFactory, redis: Redis, prefix: str) -> None:
    nodes = [await make_node(f"n{i}") for i in range(3)]
    ranked = await nodes[0].registry.ranked()
    seats = await asyncio.gather(*(
        nodes[i % 3].directory.quick_seat("arena", "default", 8, ranked)
        for i in range(60)))

    per_room = collections.Counter(seat.room_id for seat in seats)
    assert max(per_room.values()) == 8
    assert sorted(per_room.values()) == [4, 8, 8, 8, 8, 8, 8, 8]
    assert sum(seat.opened for seat in seats) == len(per_room) == math.ceil(60 / 8)
    assert len({seat.hold for seat in seats}) == 60
    for room_id, count in per_room.items():
        assert await redis.zcard(f"{prefix}room:{room_id}:holds") == count


async def test_quick_seat_picks_the_fullest_matching_room(make_node: NodeFactory) -> None:
    node = await make_node("n1")
    key = settings_key({"speed": 1})
    await node.open_room("GGGGGG", players=3, settings_key=key)
    fuller = await node.open_room("HHHHHH", players=5, settings_key=key)
    await node.open_room("JJJJJJ", players=8, settings_key=key)  # full
    await node.open_room("KKKKKK", players=7, settings_key=settings_key({"speed": 2}))
    await node.open_room("LLLLLL", players=7, public=False, settings_key=key)

    seat = await node.directory.quick_seat("arena", key, 8, [node.id])
    assert (seat.room_id, seat.node, seat.code, seat.opened) == (fuller.id, node.id,
                                                                 "HHHHHH", False)
    # Holds count as taken seats: after two more, the 3-player room is the fullest with room.
    for _ in range(2):
        assert (await node.directory.quick_seat("arena", key, 8, [node.id])).room_id == fuller.id
    assert (await node.directory.quick_seat("arena", key, 8, [node.id])).code == "GGGGGG"


async def test_a_placeholder_becomes_the_room_its_owner_creates(make_node: NodeFactory) -> None:
    caller = await make_node("n1")
    owner = await make_node("n2")
    first = await caller.directory.quick_seat("arena", "k", 2, [owner.id], spec='{"x":1}')
    assert first.opened and first.node == owner.id
    assert await caller.directory.by_code(first.code) is None  # not live yet
    assert await caller.directory.public() == []

    opening = await owner.directory.opening(first.room_id)
    assert opening is not None
    assert (opening.code, opening.game, opening.max_players, opening.spec, opening.node) == (
        first.code, "arena", 2, '{"x":1}', owner.id)
    second = await caller.directory.quick_seat("arena", "k", 2, [owner.id])
    assert (second.room_id, second.opened) == (first.room_id, False)

    live = _listing(first.code, id=first.room_id, node=owner.id, max_players=2)
    assert await owner.directory.claim(live, "k")
    assert await owner.directory.opening(first.room_id) is None
    assert await caller.directory.by_code(first.code) == live
    # Both holds still count: the room is full, so the next caller opens another room.
    third = await caller.directory.quick_seat("arena", "k", 2, [owner.id])
    assert third.opened and third.room_id != first.room_id


async def test_an_uncreated_placeholder_expires(prefix: str, make_node: NodeFactory) -> None:
    node = await make_node("n1")
    directory = RedisDirectory(node.directory.redis, prefix, opening_seconds=0.3)
    seat = await directory.quick_seat("arena", "k", 4, [node.id])
    assert await directory.opening(seat.room_id) is not None
    await asyncio.sleep(0.5)
    assert await directory.opening(seat.room_id) is None
    assert (await directory.quick_seat("arena", "k", 4, [node.id])).opened
    await node.open_room(seat.code)  # its code is free again


async def test_holds_expire_and_seated_holds_become_players_without_a_gap(
        prefix: str, make_node: NodeFactory) -> None:
    node = await make_node("n1")
    short = RedisDirectory(node.directory.redis, prefix, hold_seconds=0.3)
    room = await node.open_room("MMMMMM", players=1, max_players=2)
    listing, hold = await short.reserve(room.id)
    assert listing == room
    assert (await _refusal(short.reserve(room.id))).code == "room_full"
    await asyncio.sleep(0.5)
    _, hold = await node.directory.reserve(room.id)  # the short hold expired

    node.directory.seated(room.id, hold)
    await node.directory.update(dataclasses.replace(room, players=2))
    assert (await _refusal(node.directory.reserve(room.id))).code == "room_full"
    await node.directory.update(dataclasses.replace(room, players=1))
    await node.directory.reserve(room.id)
    assert (await _refusal(node.directory.reserve("nope"))).code == "room_not_found"


async def test_without_redis_every_call_fails_fast_as_cluster_unavailable(
        prefix: str) -> None:
    directory = RedisDirectory(connect(f"redis://127.0.0.1:{free_port()}/0"), prefix)
    calls = [directory.claim(_listing("NNNNNN")), directory.update(_listing("NNNNNN")),
             directory.remove("x"), directory.by_code("NNNNNN"), directory.by_id("x"),
             directory.public(), directory.quick_seat("arena", "k", 8, ["n1"]),
             directory.reserve("x"), directory.opening("x")]
    for call in calls:
        started = time.monotonic()
        assert (await _refusal(call)).code == "cluster_unavailable"
        assert time.monotonic() - started < 2.0
    await directory.redis.aclose()


def _listing(code: str, **fields: object) -> RoomListing:
    values: dict[str, object] = dict(id=f"id-{code}", code=code, game="arena", public=True,
                                     players=0, max_players=8, spectators=0, started=False,
                                     node="n1")
    values.update(fields)
    return RoomListing(**values)  # type: ignore[arg-type]


async def _refusal(call: Awaitable[object]) -> ProtocolError:
    with pytest.raises(ProtocolError) as refused:
        await call
    return refused.value



async def test_a_redis_that_never_answers_fails_within_2_seconds(prefix: str) -> None:
    with socket.socket() as mute:  # accepts connections (backlog) and never says a word
        mute.bind(("127.0.0.1", 0))
        mute.listen(8)
        directory = RedisDirectory(connect(f"redis://127.0.0.1:{mute.getsockname()[1]}/0"),
                                   prefix)
        started = time.monotonic()
        assert (await _refusal(directory.by_code("NNNNNN"))).code == "cluster_unavailable"
        assert time.monotonic() - started < 2.0
        await directory.redis.aclose()
