"""Rooms over real sockets: create, join by code or id, quick play, listing, leaving, closing."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from server.lobby import RoomRequest
from shared.games.arena import RULES
from shared.protocol import DEFAULTS, VERSION
from tests.helpers import refusal, replace_budget


async def test_private_room_is_joined_by_code_in_any_case(tickwire, connect):
    host = await connect("host")
    created = await host.create_room(max_players=4)
    assert created.room["host"] == created.player_id
    guest = await connect("guest")
    typed = " " + created.code.lower()[:3] + " " + created.code.lower()[3:] + " "
    joined = await guest.join(code=typed)
    assert joined.room["id"] == created.room["id"]
    await host.wait_until(lambda m: {p["name"] for p in host.room["players"]} == {"host", "guest"})
    ships = await guest.wait_until(lambda m: len(_ships(m)) == 2)
    assert {ship["name"] for ship in _ships(ships)} == {"host", "guest"}


async def test_join_by_room_id_and_as_spectator(connect):
    host = await connect("host")
    created = await host.create_room()
    watcher = await connect("watcher")
    joined = await watcher.join(room_id=created.room["id"], spectate=True)
    assert joined.player_id is None
    await host.wait_until(lambda m: host.room["spectators"] == 1)
    assert [p["name"] for p in host.room["players"]] == ["host"]
    await watcher.wait_until(lambda m: len(_ships(m)) == 1)


async def test_unknown_code_full_room_and_double_join_are_refused(connect):
    host = await connect("host")
    created = await host.create_room(max_players=1)
    guest = await connect("guest")
    assert (await refusal(guest.join(code="ZZZZZZ"))).code == "room_not_found"
    assert (await refusal(guest.join(code=created.code))).code == "room_full"
    assert (await refusal(host.join(code=created.code))).code == "already_in_room"
    assert (await refusal(guest.join())).code == "bad_request"


async def test_private_rooms_stay_out_of_the_public_listing(connect):
    owner = await connect("owner")
    private = await owner.create_room(public=False)
    other = await connect("other")
    public = await other.create_room(public=True)
    browser = await connect("browser")
    listed = {room["id"]: room for room in await browser.list_rooms()}
    assert public.room["id"] in listed
    assert private.room["id"] not in listed
    assert listed[public.room["id"]]["players"] == 1
    assert listed[public.room["id"]]["max_players"] == DEFAULTS.max_players


async def test_quick_join_fills_a_public_room_then_opens_another(connect):
    clients = [await connect(f"q{i}") for i in range(3)]
    first = await clients[0].quick_join(max_players=2)
    second = await clients[1].quick_join(max_players=2)
    third = await clients[2].quick_join(max_players=2)
    assert first.room["id"] == second.room["id"]
    assert third.room["id"] != first.room["id"]
    assert first.room["public"] and first.room["started"]
    listed = {room["id"] for room in await clients[0].list_rooms()}
    assert {first.room["id"], third.room["id"]} <= listed


async def test_leaving_and_disconnecting_remove_the_player(connect):
    host = await connect("host")
    created = await host.create_room()
    leaver, dropper = await connect("leaver"), await connect("dropper")
    await leaver.join(code=created.code)
    await dropper.join(code=created.code)
    await host.wait_until(lambda m: len(_ships(m)) == 3)
    await leaver.leave()
    assert leaver.room is None
    await host.wait_until(lambda m: len(_ships(m)) == 2)
    await dropper.disconnect()
    mirror = await host.wait_until(lambda m: len(_ships(m)) == 1)
    assert [ship["name"] for ship in _ships(mirror)] == ["host"]
    await host.wait_until(lambda m: [p["name"] for p in host.room["players"]] == ["host"])


async def test_an_empty_room_closes_after_its_grace_period(tickwire, connect):
    host = await connect("host")
    created = await host.create_room(public=True)
    room = tickwire.lobby.rooms[created.room["id"]]
    await host.leave()
    await asyncio.wait_for(room.wait_closed(), timeout=5)
    assert created.room["id"] not in tickwire.lobby.rooms
    assert created.room["id"] not in {r["id"] for r in await host.list_rooms()}
    other = await connect("late")
    assert (await refusal(other.join(code=created.code))).code == "room_not_found"


async def test_the_host_passes_on_when_the_host_leaves(connect):
    host = await connect("host")
    created = await host.create_room()
    guest = await connect("guest")
    joined = await guest.join(code=created.code)
    await host.leave()
    await guest.wait_until(lambda m: guest.room["host"] == joined.player_id)


async def test_wrong_protocol_version_is_refused_with_a_clear_error(tickwire, connect):
    error = await refusal(connect("old", protocol_version=VERSION + 1))
    assert error.code == "bad_version"
    assert str(VERSION) in error.message


async def test_bad_display_name_is_refused(connect):
    assert (await refusal(connect("<b>bold</b>"))).code == "bad_name"


async def test_health_endpoint(tickwire):
    async with aiohttp.ClientSession() as http, http.get(tickwire.url + "/healthz") as response:
        assert response.status == 200
        assert (await response.json())["status"] == "ok"


def _ships(mirror):
    return [e for e in mirror.view().values() if e["kind"] == RULES.kinds["ship"]]


async def test_by_default_only_the_servers_own_origin_may_connect(tickwire):
    handshake = tickwire.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(handshake, origin="https://evil.example")
        assert refused.value.status == 400
        async with http.ws_connect(handshake, origin=tickwire.url) as allowed:
            assert (await allowed.receive_str()).startswith("0")  # the Engine.IO OPEN


async def test_quick_join_finds_the_open_room_among_many_full_ones(tickwire, connect,
                                                                  monkeypatch):
    """Regression: with more full public rooms than one listing page, quick join opened a new
    room for every player."""
    replace_budget(tickwire, monkeypatch, max_load=10**9)  # 120 rooms at once
    for index in range(120):
        await tickwire.lobby.create(f"filler{index}", RoomRequest(public=True, max_players=1),
                                    address=f"10.0.{index}.1")
    for room in list(tickwire.lobby.rooms.values()):
        room.roster.admit(f"seat-{room.id}", "filler", spectate=False)  # no socket behind it
        room.listener.listing_changed(room)
    first, second = await connect("first"), await connect("second")
    opened = await first.quick_join(max_players=2)
    joined = await second.quick_join(max_players=2)
    assert joined.room["id"] == opened.room["id"]
