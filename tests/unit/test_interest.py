"""Interest management without sockets: the grid, and a property test that a client's mirror
always equals the true world filtered by its view, whatever moves, spawns and vanishes."""

from __future__ import annotations

from typing import Any

import msgpack
from hypothesis import given, settings
from hypothesis import strategies as st

from client.mirror import StateMirror
from server.games.arena import Arena
from server.games.base import Player
from server.interest import CellSync
from shared.delta import CellDiffer, absolute_ids, cell_update, relative_ids
from shared.grid import Grid
from shared.schema import EntitySchema, Quantized, angle, num

SCHEMA = Arena.entity_schema
GRID = Grid(world=1000, cell=100, view=1, slack=20, step=0.25)  # 10 x 10 cells, 3 x 3 seen
SPAN = 4000  # the world's side in wire units


class Body:
    """Just what the arena's schema reads."""

    def __init__(self, x: float, y: float) -> None:
        self.x, self.y, self.angle, self.hp, self.score, self.kind, self.name = (
            x, y, 0.0, 100, 0, 1, "d")
        self.shield = False


class Capture:
    """A dispatcher that keeps what each connection is sent, decoded."""

    def __init__(self) -> None:
        self.sent: dict[str, list[Any]] = {}

    def send_encoded(self, sid: str, event: str, payload: bytes) -> int:
        self.sent.setdefault(sid, []).append(msgpack.unpackb(payload, strict_map_key=False))
        return len(payload)


class Seat:
    """A roster member as ``CellSync.deliver`` reads it."""

    def __init__(self, player_id: int | None) -> None:
        self.player = None if player_id is None else Player(player_id, f"p{player_id}")


def seen(world: dict[int, tuple[Quantized, ...]], mirror: StateMirror, viewer: int | None
         ) -> None:
    """Assert ``mirror`` holds exactly the true entities of the cells it holds, sees every
    cell within the view, holds none beyond the view and its slack, and no entity twice."""
    center = GRID.position(world[viewer]) if viewer in world else None
    by_cell: dict[int, set[int]] = {}
    for eid, values in world.items():
        by_cell.setdefault(GRID.cell_at(GRID.position(values)), set()).add(eid)
    for cell, ids in mirror.cells.items():
        assert ids == by_cell.get(cell, set()), f"cell {cell}"
    assert sum(len(ids) for ids in mirror.cells.values()) == len(mirror.entities)
    assert {eid: tuple(v) for eid, v in mirror.entities.items()} == {
        eid: world[eid] for eid in mirror.entities}
    if center is not None:
        assert GRID.visible(center, frozenset()) <= mirror.cells.keys()
        reach = (GRID.view * GRID.cell + GRID.slack) / GRID.step
        assert all(GRID.gap(center, cell) <= reach for cell in mirror.cells)


def test_the_grid_names_cells_and_views():
    assert GRID.columns == 10 and GRID.middle == (2000, 2000)
    assert GRID.cell_at((0, 0)) == 0
    assert GRID.cell_at((399, 400)) == 10  # x 99.75, y 100
    assert GRID.cell_at((SPAN, SPAN)) == 99  # the far edge belongs to the last cell
    assert GRID.cell_at((-5, SPAN + 9)) == 90  # outside: the nearest edge cell
    points = {1: (0, 0), 2: (399, 400), 3: (SPAN, SPAN), 4: (-5, SPAN + 9), 5: (401, 3)}
    assert GRID.partition(points) == {0: {1: (0, 0)}, 10: {2: (399, 400)},
                                      99: {3: (SPAN, SPAN)}, 90: {4: (-5, SPAN + 9)},
                                      1: {5: (401, 3)}}
    assert GRID.visible((0, 0), frozenset()) == {0, 1, 10, 11}
    assert GRID.visible((2200, 2200), frozenset()) == {44, 45, 46, 54, 55, 56, 64, 65, 66}
    # just over the border into cell 56 (x 600.25): cell 54 (x 400-500) is 100.25 away,
    # within the view (100) and slack (20), so held stays; past 620 it goes
    assert 54 in GRID.visible((2401, 2200), frozenset({54}))
    assert 54 not in GRID.visible((2401, 2200), frozenset())
    assert 54 not in GRID.visible((2481, 2200), frozenset({54}))
    # the same cells come back as the same object, so a viewer's usual tick does no set work
    kept = GRID.visible((2401, 2200), GRID.visible((2399, 2200), frozenset()))
    assert 54 in kept and GRID.visible((2402, 2200), kept) is kept


position = st.tuples(st.integers(0, 999), st.integers(0, 999))
step = st.tuples(
    st.dictionaries(st.integers(1, 12), position, max_size=6),  # moves and spawns
    st.sets(st.integers(2, 12), max_size=2),  # removals (entity 1 is the viewer's ship)
)


@settings(max_examples=60, deadline=None)
@given(start=st.dictionaries(st.integers(1, 12), position, min_size=1),
       steps=st.lists(step, min_size=1, max_size=25), resync=st.integers(0, 30))
def test_a_mirror_equals_the_world_filtered_by_its_view(start, steps, resync):
    bodies = {eid: Body(x, y) for eid, (x, y) in start.items()}
    bodies.setdefault(1, Body(500, 500))
    sync, capture = CellSync(SCHEMA, GRID), Capture()
    sync.advance(1, bodies, {1: 0}, [])
    members: dict[str, Any] = {"ship": Seat(1), "watcher": Seat(None)}
    mirrors = {sid: StateMirror(SCHEMA, seat.player and seat.player.id, interest=True)
               for sid, seat in members.items()}
    for sid, seat in members.items():
        mirrors[sid].load_keyframe(sync.keyframe_for(sid, seat.player and seat.player.id))
    for tick, (moves, removed) in enumerate(steps, start=2):
        for eid, (x, y) in moves.items():
            bodies.setdefault(eid, Body(x, y)).x, bodies[eid].y = x, y
        for eid in removed:
            bodies.pop(eid, None)
        sync.advance(tick, bodies, {1: tick}, [])
        sync.deliver(capture, "room", members)
        for sid, mirror in mirrors.items():
            assert mirror.apply_state(capture.sent[sid][-1])
            assert mirror.tick == tick
            seen(SCHEMA.snapshot(bodies), mirror, members[sid].player and 1)
        assert mirrors["ship"].ack == tick
        if tick == resync:  # a client that lost track asks for a keyframe
            mirrors["ship"].load_keyframe(sync.keyframe_for("ship", 1))


def test_each_cell_is_encoded_once_per_tick_however_many_see_it():
    bodies = {eid: Body(500 + eid, 500) for eid in range(1, 40)}
    sync, capture = CellSync(SCHEMA, GRID), Capture()
    sync.advance(1, bodies, {}, [])
    members = {f"c{pid}": Seat(pid) for pid in range(1, 31)}
    for sid, seat in members.items():
        sync.keyframe_for(sid, seat.player.id)
    for tick in range(2, 12):
        for body in bodies.values():
            body.y += 1
        before = sync.encodes
        sync.advance(tick, bodies, {}, [])
        sync.deliver(capture, "room", members)
        assert sync.encodes - before == 1  # one changed cell, thirty viewers
    assert all(len(sent) == 10 and all(message[4] for message in sent)
               for sent in capture.sent.values())


def test_cell_deltas_carry_ids_relative_to_the_one_before():
    groups = [3, 2, 130, 1, 2, 131, -1, 0, 1, 1, 129, 5]  # x and y of 130, 131; x of 129
    relative = relative_ids(list(groups))
    assert relative == [3, 2, 130, 1, 2, 1, -1, 0, 1, 1, -2, 5]
    assert absolute_ids(relative) == groups


def test_a_cell_delta_sends_moves_without_ids_and_other_changes_grouped():
    schema = EntitySchema(num("x", 0.25), num("y", 0.25), angle("angle", 8), num("hp", 1))
    before = {9: (100, 100, 0, 100), 4: (10, 20, 5, 100), 7: (0, 0, 0, 100), 2: (5, 5, 0, 1)}
    after = {9: (103, 98, 0, 99), 4: (10, 20, 5, 100), 7: (1, 0, 9, 100), 12: (1, 1, 0, 100)}
    moves, groups, spawns, removes = CellDiffer(schema, (0, 1))(before, after)
    assert moves == [0, 0, 1, 0, 3, -2]  # ids 4, 7, 9: unmoved 4 too, in id order
    assert groups == [4, 1, 7, 9, 8, 1, 9, -1]  # angle of 7, hp of 9: positions left out
    assert (spawns, removes) == ([[12, 1, 1, 0, 100]], [2])
    still = {4: (10, 20, 5, 100), 7: (0, 0, 0, 99)}
    assert CellDiffer(schema, (0, 1))({**still, 7: (0, 0, 0, 100)}, still) == (
        [], [8, 1, 7, -1], [], [])  # nothing moved: no moves at all
    assert cell_update(3, [], [], [], []) is None
    assert cell_update(3, [1, 0], [], [], [2]) == [3, [1, 0], [], [], [2]]
