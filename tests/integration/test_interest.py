"""Interest management over real sockets (game ``arena-large``): a client receives only the
cells around its ship; entities spawn when they come into view and vanish when they leave it,
with no duplicate or ghost, and each cell is encoded once per tick however many see it."""

from __future__ import annotations

import asyncio
from typing import Any

import msgpack

from client import TickwireClient
from server.interest import CellSync
from server.room import Room
from shared.games.arena_large import GRID
from shared.schema import Quantized
from tests.helpers import RunningServer

Snapshots = dict[int, dict[int, tuple[Quantized, ...]]]


def record_truth(room: Room) -> Snapshots:
    """Spy on a room: every entity's wire values at every tick it broadcasts."""
    truth: Snapshots = {}
    advance, snapshot = room.sync.advance, room.game_class.entity_schema.snapshot

    def recording(tick: int, entities: Any, *args: Any) -> None:
        truth[tick] = snapshot(entities)
        advance(tick, entities, *args)

    room.sync.advance = recording
    return truth


def record_mirrors(client: TickwireClient) -> dict[int, dict[int, set[int]]]:
    """The cells (cell -> ids) of a client's mirror after every update, by tick; checks on
    the way that each id is in one cell only and every mirrored entity is in a cell."""
    seen: dict[int, dict[int, set[int]]] = {}

    def record(mirror: Any) -> None:
        ids = [eid for cell in mirror.cells.values() for eid in cell]
        assert len(ids) == len(set(ids)) == len(mirror.entities), "an entity twice or astray"
        seen[mirror.tick] = {cell: set(ids) for cell, ids in mirror.cells.items()}

    client.on_state(record)
    return seen


def true_cells(world: dict[int, tuple[Quantized, ...]]) -> dict[int, set[int]]:
    """Cell -> ids of the true world."""
    cells: dict[int, set[int]] = {}
    for eid, values in world.items():
        cells.setdefault(GRID.cell_at(GRID.position(values)), set()).add(eid)
    return cells


async def large_room(tickwire: RunningServer, connect: Any, players: int, npcs: int = 0
                     ) -> tuple[Room, list[TickwireClient]]:
    """A started ``arena-large`` room with ``players`` clients, every ship at rest."""
    clients = [await connect(f"p{i}") for i in range(players)]
    created = await clients[0].create_room(game="arena-large", settings={"npcs": npcs},
                                           max_players=players)
    for client in clients[1:]:
        await client.join(code=created.code)
    room = tickwire.lobby.rooms[created.room["id"]]
    await asyncio.gather(*(c.wait_until(lambda m, c=c: m.me() is not None) for c in clients))
    return room, clients


def place(room: Room, client: TickwireClient, x: float, y: float) -> None:
    """Put a client's ship at ``(x, y)`` (a teleport between ticks, on the server)."""
    assert client.joined is not None and client.joined.player_id is not None
    ship = room.game.entities[client.joined.player_id]
    ship.x, ship.y = x, y


def sees(client: TickwireClient, other: TickwireClient) -> bool:
    """Whether ``client``'s mirror holds ``other``'s ship."""
    assert other.joined is not None and other.joined.player_id is not None
    assert client.mirror is not None
    return other.joined.player_id in client.mirror.entities


async def settled(room: Room, *clients: TickwireClient) -> None:
    """Wait until every client's mirror has reached a tick after now."""
    target = room.tick + 2
    await asyncio.gather(*(c.wait_until(lambda m: m.tick >= target) for c in clients))


async def test_far_ships_are_not_sent_and_spawn_and_vanish_with_distance(tickwire, connect):
    room, (ann, bob) = await large_room(tickwire, connect, 2)
    assert ann.mirror.interest
    place(room, ann, 100, 100)
    place(room, bob, 3900, 3900)
    await settled(room, ann, bob)
    assert not sees(ann, bob) and not sees(bob, ann)

    place(room, bob, 400, 150)  # bob moves into ann's view: both see each other
    await settled(room, ann, bob)
    assert sees(ann, bob) and sees(bob, ann)
    assert ann.mirror.entity(bob.joined.player_id)["x"] == 400

    place(room, ann, 3000, 3000)  # the viewer moves away: bob vanishes for ann
    await settled(room, ann, bob)
    assert not sees(ann, bob) and not sees(bob, ann)
    assert sees(ann, ann) and sees(bob, bob)
    assert ann.resyncs == bob.resyncs == 0


async def test_entities_crossing_cells_never_duplicate_nor_ghost(tickwire, connect):
    room, clients = await large_room(tickwire, connect, 3, npcs=300)
    truth = record_truth(room)
    mirrors = [record_mirrors(client) for client in clients]
    watcher, walker, far = clients
    place(room, watcher, 2000, 2000)
    place(room, walker, 1330, 2000)  # out of the watcher's view, by cell borders at 1350, 1800
    place(room, far, 200, 3800)
    await settled(room, *clients)
    assert not sees(watcher, walker)
    for _ in range(80):  # 80 inputs x 7.5 units: into the watcher's view, across its cell
        await walker.send_input(dx=1.0, dy=0.0, aim=0.0, fire=False)
        await asyncio.sleep(0.05)
    await walker.wait_until(lambda m: m.ack == 80)
    await settled(room, *clients)
    for client, seen in zip(clients, mirrors, strict=True):
        compared = [tick for tick in seen if tick in truth]
        assert len(compared) >= 60
        me = client.joined.player_id
        for tick in compared:
            cells = true_cells(truth[tick])
            assert GRID.visible(GRID.position(truth[tick][me]), frozenset()) <= seen[tick].keys()
            for cell, ids in seen[tick].items():
                assert ids == cells.get(cell, set()), f"tick {tick}, cell {cell}"
        assert client.resyncs == 0
    assert all(sees(c, walker) for c in (watcher, walker)) and not sees(far, walker)


async def test_each_cell_is_encoded_once_per_tick_not_once_per_client(tickwire, connect):
    room, clients = await large_room(tickwire, connect, 6, npcs=300)
    for client in clients:
        place(room, client, 2100, 2100)  # one cell: every client sees the same cells...
    await settled(room, *clients)
    for client in clients:  # ...and holds no others from where it was (a fresh keyframe)
        await client.request_keyframe()
    await settled(room, *clients)
    sync = room.sync
    assert isinstance(sync, CellSync)
    sent: list[int] = []  # cell deltas put in each message
    updates_of = sync._updates_of

    def counting(cells: frozenset[int]) -> bytes:
        updates = updates_of(cells)
        sent.append(len(msgpack.unpackb(updates)))
        return updates

    sync._updates_of = counting
    start, encodes = room.tick, sync.encodes
    await asyncio.sleep(1.0)
    ticks, encoded = room.tick - start, sync.encodes - encodes
    assert ticks >= 10 and encoded >= ticks  # drones wander: cells change every tick
    assert sum(sent) == len(clients) * encoded  # every client got each one, encoded once


async def test_a_dropped_player_resumes_its_view_and_ack(tickwire, connect):
    room, (ann, bob) = await large_room(tickwire, connect, 2, npcs=300)
    place(room, ann, 600, 600)
    place(room, bob, 700, 600)
    for _ in range(3):
        seq = await bob.send_input(dx=1.0, dy=0.0, aim=0.0, fire=False)
        await bob.wait_until(lambda m, seq=seq: m.ack == seq)
    await bob.drop_connection()
    place(room, bob, 3500, 3500)  # moved while away: the keyframe shows the new surroundings
    resumed = await bob.reconnect()
    assert resumed.player_id == bob.joined.player_id and bob.mirror.ack == 3
    truth = record_truth(room)
    seen = record_mirrors(bob)
    await settled(room, ann, bob)
    assert not sees(bob, ann) and not sees(ann, bob)
    tick = max(tick for tick in seen if tick in truth)
    cells = true_cells(truth[tick])
    here = GRID.position(truth[tick][bob.joined.player_id])
    assert GRID.visible(here, frozenset()) <= seen[tick].keys()
    assert all(ids == cells.get(cell, set()) for cell, ids in seen[tick].items())
    assert bob.resyncs == 0
