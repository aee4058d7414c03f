"""Interest management for a room: its state cut into grid cells (``shared.grid``), each cell's
delta and keyframe encoded once per tick, and each connection sent the cells it sees.

The room's snapshot is partitioned by position every tick and each cell is diffed against the
same cell last tick, so an entity that changes cells is removed from one and spawned in the
other. A connection's state message (layout in ``shared.delta``) is spliced together from the
cells' msgpack bytes: per connection only the choice of cells and a byte join, never an
encode that grows with entities.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgpack

from server.interfaces import Dispatcher
from server.roster import Member
from shared.delta import CellDiffer, cell_update
from shared.grid import Grid, Point
from shared.protocol import EVENTS
from shared.schema import EntitySchema, Snapshot

_PACKER = msgpack.Packer()
_NOTHING = _PACKER.pack([])


@dataclass(slots=True)
class Viewer:
    """What one connection holds: the cells it was sent, and where it last looked from."""

    center: Point
    cells: frozenset[int] = frozenset()


class CellSync:
    """The room's last broadcast state by cell, and each connection's view of it.

    ``encodes`` counts the cell deltas and cell keyframes encoded (tests check that it grows
    with the cells sent, not with the connections that see them). Only cells somebody holds
    are diffed.
    """

    def __init__(self, schema: EntitySchema, grid: Grid) -> None:
        self.schema = schema
        self.grid = grid
        self._diff = CellDiffer(schema, (grid.x_field, grid.y_field))
        self.tick = 0
        self.snapshot: Snapshot = {}
        self.cells: dict[int, Snapshot] = {}
        self.acks: dict[int, int] = {}
        self.viewers: dict[str, Viewer] = {}
        self.encodes = 0
        self._previous: dict[int, Snapshot] = {}
        self._head = b""  # the start of every state message of this tick
        self._updates: dict[int, bytes | None] = {}
        self._joined: dict[frozenset[int], bytes] = {}  # the updates part, by cells held
        self._loads: dict[int, list[Any]] = {}
        self._encoded_loads: dict[int, bytes] = {}

    def advance(self, tick: int, entities: Mapping[int, Any], acks: Mapping[int, int],
                departed: list[int]) -> None:
        """Snapshot ``entities`` cell by cell for ``tick``; each cell's delta is worked out
        and encoded when a connection first needs it. ``departed`` needs no word here: every
        connection hears only its own ack."""
        snapshot = self.schema.snapshot(entities)
        self._previous, self.cells = self.cells, self.grid.partition(snapshot)
        self.tick, self.snapshot, self.acks = tick, snapshot, dict(acks)
        self._head = _PACKER.pack_array_header(5) + _PACKER.pack(tick)
        self._updates = {}
        self._joined = {}
        self._loads = {}
        self._encoded_loads = {}

    def deliver(self, dispatcher: Dispatcher, room_id: str,
                members: Mapping[str, Member]) -> int:
        """Send every connected member its state message for the last tick; the bytes sent.
        A member that has no keyframe yet (its welcome is on the way) is skipped, and the
        views of connections that left are forgotten."""
        viewers: dict[str, Viewer] = {}
        sent = 0
        for sid, member in members.items():
            viewer = self.viewers.get(sid)
            if viewer is not None:
                viewers[sid] = viewer
                player = member.player.id if member.player is not None else None
                sent += dispatcher.send_encoded(sid, EVENTS.state,
                                                self._message(viewer, player))
        self.viewers = viewers
        return sent

    def keyframe_for(self, sid: str, player_id: int | None) -> list[Any]:
        """A keyframe of what connection ``sid`` (playing ``player_id``) sees at the last
        tick: ``[tick, loads, acks]``. Its next state messages follow on from it."""
        viewer = self.viewers.get(sid) or Viewer(self.grid.middle)
        self.viewers[sid] = viewer
        viewer.cells = self.grid.visible(self._look(viewer, player_id), frozenset())
        acks = [player_id, self.acks.get(player_id, 0)] if player_id is not None else []
        return [self.tick, [self._load(cell) for cell in sorted(viewer.cells)], acks]

    def _look(self, viewer: Viewer, player_id: int | None) -> Point:
        """Where the viewer looks from: its own entity, or where it last looked."""
        own = self.snapshot.get(player_id) if player_id is not None else None
        if own is not None:
            viewer.center = self.grid.position(own)
        return viewer.center

    def _message(self, viewer: Viewer, player_id: int | None) -> bytes:
        """``[tick, ack, drops, loads, updates]`` for one viewer, spliced from encoded cells."""
        held = viewer.cells
        seen = viewer.cells = self.grid.visible(self._look(viewer, player_id), held)
        ack = _PACKER.pack(self.acks.get(player_id, 0) if player_id is not None else 0)
        if seen is held:  # the usual tick: the same cells as before
            return b"".join((self._head, ack, _NOTHING, _NOTHING, self._updates_of(held)))
        drops, loads, updates = held - seen, seen - held, self._changes(seen & held)
        return b"".join((
            self._head, ack, _PACKER.pack(sorted(drops)) if drops else _NOTHING,
            _PACKER.pack_array_header(len(loads)), *map(self._encoded_load, loads),
            _PACKER.pack_array_header(len(updates)), *updates,
        ))

    def _updates_of(self, cells: frozenset[int]) -> bytes:
        """The encoded ``updates`` part for a viewer that held ``cells`` and still does, put
        together once per tick for every viewer holding the same cells."""
        joined = self._joined.get(cells)
        if joined is None:
            updates = self._changes(cells)
            joined = self._joined[cells] = b"".join(
                (_PACKER.pack_array_header(len(updates)), *updates))
        return joined

    def _changes(self, cells: frozenset[int]) -> list[bytes]:
        """The encoded deltas of those of ``cells`` that changed."""
        known, encode = self._updates, self._encoded_update
        changes = []
        for cell in cells:
            update = known[cell] if cell in known else encode(cell)
            if update is not None:
                changes.append(update)
        return changes

    def _load(self, cell: int) -> list[Any]:
        """A cell whole, ``[cell, entities]``, built once per tick."""
        load = self._loads.get(cell)
        if load is None:
            snapshot = self.cells.get(cell, {})
            load = self._loads[cell] = [cell, [[eid, *values] for eid, values in snapshot.items()]]
        return load

    def _encoded_load(self, cell: int) -> bytes:
        """A cell whole, encoded once per tick."""
        encoded = self._encoded_loads.get(cell)
        if encoded is None:
            encoded = self._encoded_loads[cell] = _PACKER.pack(self._load(cell))
            self.encodes += 1
        return encoded

    def _encoded_update(self, cell: int) -> bytes | None:
        """A cell's delta since the last tick, encoded (None: nothing in it changed), and
        kept for the rest of the tick (``_changes`` looks there first)."""
        empty: Snapshot = {}
        update = cell_update(cell, *self._diff(self._previous.get(cell, empty),
                                          self.cells.get(cell, empty)))
        if update is None:
            self._updates[cell] = None
            return None
        encoded = self._updates[cell] = _PACKER.pack(update)
        self.encodes += 1
        return encoded
