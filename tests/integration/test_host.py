"""The host's controls: kick, settings before the start, start."""

from __future__ import annotations

from shared.games.arena import RULES
from tests.helpers import refusal

SHIP, DRONE = RULES.kinds["ship"], RULES.kinds["drone"]


async def test_only_the_host_kicks_and_the_kicked_cannot_come_back(connect):
    host = await connect("host")
    created = await host.create_room()
    guest, other = await connect("guest"), await connect("other")
    guest_seat = await guest.join(code=created.code)
    await other.join(code=created.code)
    assert (await refusal(other.kick(guest_seat.player_id))).code == "not_host"
    assert (await refusal(host.kick(999))).code == "player_not_found"
    await host.kick(guest_seat.player_id)
    reason = await guest.wait_closed()
    assert reason["code"] == "kicked"
    assert guest.room is None
    await host.wait_until(lambda m: m.entity(guest_seat.player_id) is None)
    assert (await refusal(guest.join(code=created.code))).code == "kicked"


async def test_settings_change_before_the_start_only(connect):
    host = await connect("host")
    await host.create_room(settings={"npcs": 2})
    drones = await host.wait_until(lambda m: _count(m, DRONE) == 2)
    assert drones.tick > 0
    room = await host.change_settings(npcs=5, score_limit=3)
    assert room["settings"]["npcs"] == 5 and room["settings"]["score_limit"] == 3
    await host.wait_until(lambda m: _count(m, DRONE) == 5 and _count(m, SHIP) == 1)
    assert (await refusal(host.change_settings(npcs=500))).code == "bad_settings"
    room = await host.start()
    assert room["started"]
    await host.wait_until(lambda m: host.room["status"]["phase"] == "playing")
    assert (await refusal(host.change_settings(npcs=1))).code == "already_started"
    assert (await refusal(host.start())).code == "already_started"


async def test_guests_cannot_change_settings_or_start(connect):
    host = await connect("host")
    created = await host.create_room()
    guest = await connect("guest")
    await guest.join(code=created.code)
    for attempt in (guest.change_settings(npcs=1), guest.start()):
        assert (await refusal(attempt)).code == "not_host"


def _count(mirror, kind: int) -> int:
    return sum(1 for entity in mirror.view().values() if entity["kind"] == kind)
