"""Room membership has one owner: the room. Its listing follows every change, including the
ones that happen inside a tick, and a connection loses its place exactly once."""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.helpers import config_with, refusal

SEAT_GRACE = 0.3


@pytest.fixture
def server_config():
    return config_with(seat_grace=SEAT_GRACE)


async def test_a_seat_that_expires_in_a_tick_frees_the_listing(tickwire, connect):
    host = await connect("host")
    created = await host.create_room(public=True, max_players=2, settings={"npcs": 0})
    player = await connect("player")
    seat = await player.join(code=created.code)
    browser = await connect("browser")
    assert _listed(await browser.list_rooms(), created.room["id"])["players"] == 2
    await host.wait_until(lambda m: m.entity(seat.player_id) is not None)

    await player.drop_connection()
    await host.wait_until(lambda m: m.entity(seat.player_id) is None, timeout=5)  # expired

    assert _listed(await browser.list_rooms(), created.room["id"])["players"] == 1
    newcomer = await connect("newcomer")
    joined = await newcomer.quick_join(max_players=2)
    assert joined.room["id"] == created.room["id"]


def _listed(rooms, room_id):
    return next(room for room in rooms if room["id"] == room_id)


class LossRecorder:
    """Stands between a room and its listener and notes, per connection, every time the room
    reports that connection losing its place."""

    def __init__(self, listener) -> None:
        self.listener = listener
        self.losses: dict[str, list[str]] = defaultdict(list)

    def __getattr__(self, name):
        return getattr(self.listener, name)

    def member_left(self, room, sid, member, reason) -> None:
        self.losses[sid].append(reason)
        self.listener.member_left(room, sid, member, reason)

    def closed(self, room, code, sids) -> None:
        for sid in sids:
            self.losses[sid].append(code)
        self.listener.closed(room, code, sids)


async def test_kicked_replaced_and_closed_connections_lose_their_room_once(tickwire, connect):
    host = await connect("host")
    created = await host.create_room()
    room = tickwire.lobby.rooms[created.room["id"]]
    recorder = room.listener = LossRecorder(room.listener)
    kicked, stayer, old = await connect("kicked"), await connect("stayer"), await connect("old")
    kicked_seat = await kicked.join(code=created.code)
    await stayer.join(code=created.code)
    await old.join(code=created.code)
    new = await connect("new")
    await new.resume(old.token)
    await host.kick(kicked_seat.player_id)
    assert (await old.wait_closed())["code"] == "replaced"
    assert (await kicked.wait_closed())["code"] == "kicked"

    await room.close()
    await room.close()
    for client in (host, stayer, new):
        assert (await client.wait_closed())["code"] == "room_closed"
    for client in (kicked, old):
        await client.ping()  # anything the server sent before this answer has arrived
    assert kicked.closed_reason["code"] == "kicked"  # and no room_closed after it
    assert old.closed_reason["code"] == "replaced"
    sid = {client: client.sio.get_sid() for client in (host, kicked, stayer, old, new)}
    assert recorder.losses == {sid[host]: ["room_closed"], sid[stayer]: ["room_closed"],
                               sid[new]: ["room_closed"], sid[kicked]: ["kicked"],
                               sid[old]: ["replaced"]}
    assert all(tickwire.lobby.room_of(s) is None for s in sid.values())
    assert (await refusal(kicked.request("sync"))).code == "not_in_room"
