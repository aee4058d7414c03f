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
from dataclasses import dataclass, field
from typing import Any

import msgpack

from server.interfaces import Dispatcher
from server.roster import Member
from shared.delta import cell_update, diff
from shared.grid import Grid
from shared.protocol import EVENTS
from shared.schema import EntitySchema, Snapshot

_PACKER = msgpack.Packer()
_NOTHING = _PACKER.pack([])


@dataclass(slots=True)
class Viewer:
    """What one connection holds: the cells it was sent, and where it last looked from."""

    center: int
    cells: set[int] = field(default_factory=set)


class CellSync:
    """The room's last broadcast state by cell, and each connection's view of it.

    ``encodes`` counts the cell deltas and cell keyframes encoded (tests check that it grows
    with the cells sent, not with the connections that see them).
    """

    def __init__(self, schema: EntitySchema, grid: Grid) -> None:
        self.schema = schema
        self.grid = grid
        self.tick = 0
        self.cells: dict[int, Snapshot] = {}
        self.where: dict[int, int] = {}  # entity id -> its cell
        self.acks: dict[int, int] = {}
        self.viewers: dict[str, Viewer] = {}
        self.encodes = 0
        self._updates: dict[int, list[Any]] = {}
        self._encoded_updates: dict[int, bytes] = {}
        self._loads: dict[int, list[Any]] = {}
        self._encoded_loads: dict[int, bytes] = {}

    def advance(self, tick: int, entities: Mapping[int, Any], acks: Mapping[int, int],
                departed: list[int]) -> None:
        """Snapshot ``entities`` cell by cell and work out each cell's delta for ``tick``
        (encoded when a connection first needs it). ``departed`` needs no word here: every
        connection hears only its own ack."""
        cells: dict[int, Snapshot] = {}
        where: dict[int, int] = {}
        cell_of = self.grid.cell_of
        for eid, values in self.schema.snapshot(entities).items():
            cell = where[eid] = cell_of(values)
            cells.setdefault(cell, {})[eid] = values
        empty: Snapshot = {}
        updates = {}
        for cell in cells.keys() | self.cells.keys():
            update = cell_update(cell, *diff(self.schema, self.cells.get(cell, empty),
                                             cells.get(cell, empty)))
            if update is not None:
                updates[cell] = update
        self.tick, self.cells, self.where, self.acks = tick, cells, where, dict(acks)
        self._updates = updates
        self._encoded_updates = {}
        self._loads = {}
        self._encoded_loads = {}

    def deliver(self, dispatcher: Dispatcher, room_id: str,
                members: Mapping[str, Member]) -> int:
        """Send every connected member its state message for the last tick; the bytes sent.
        A member that has no keyframe yet (its welcome is on the way) is skipped."""
        if len(self.viewers) > len(members):
            self.viewers = {sid: v for sid, v in self.viewers.items() if sid in members}
        sent = 0
        for sid, member in members.items():
            viewer = self.viewers.get(sid)
            if viewer is not None:
                player = member.player.id if member.player is not None else None
                sent += dispatcher.send_encoded(sid, EVENTS.state,
                                                self._message(viewer, player))
        return sent

    def keyframe_for(self, sid: str, player_id: int | None) -> list[Any]:
        """A keyframe of what connection ``sid`` (playing ``player_id``) sees at the last
        tick: ``[tick, loads, acks]``. Its next state messages follow on from it."""
        viewer = self.viewers.get(sid) or Viewer(self.grid.middle)
        self.viewers[sid] = viewer
        viewer.cells = self.grid.visible(self._look(viewer, player_id), set())
        acks = [player_id, self.acks.get(player_id, 0)] if player_id is not None else []
        return [self.tick, [self._load(cell) for cell in sorted(viewer.cells)], acks]

    def _look(self, viewer: Viewer, player_id: int | None) -> int:
        """The viewer's cell: that of its own entity, or where it last looked."""
        if player_id is not None:
            viewer.center = self.where.get(player_id, viewer.center)
        return viewer.center

    def _message(self, viewer: Viewer, player_id: int | None) -> bytes:
        """``[tick, ack, drops, loads, updates]`` for one viewer, spliced from encoded cells."""
        held = viewer.cells
        seen = self.grid.visible(self._look(viewer, player_id), held)
        loads = [self._encoded_load(cell) for cell in seen - held]
        updates = [self._encoded_update(cell) for cell in seen & held if cell in self._updates]
        drops = held - seen
        viewer.cells = seen
        ack = self.acks.get(player_id, 0) if player_id is not None else 0
        return b"".join((
            _PACKER.pack_array_header(5), _PACKER.pack(self.tick), _PACKER.pack(ack),
            _PACKER.pack(sorted(drops)) if drops else _NOTHING,
            _PACKER.pack_array_header(len(loads)), *loads,
            _PACKER.pack_array_header(len(updates)), *updates,
        ))

    def _load(self, cell: int) -> list[Any]:
        """A cell whole, ``[cell, entities]``, built once per tick."""
        load = self._loads.get(cell)
        if load is None:
            snapshot = self.cells.get(cell, {})
            load = self._loads[cell] = [cell, [[eid, *values] for eid, values in snapshot.items()]]
        return load

    def _encoded_load(self, cell: int) -> bytes:
        encoded = self._encoded_loads.get(cell)
        if encoded is None:
            encoded = self._encoded_loads[cell] = _PACKER.pack(self._load(cell))
            self.encodes += 1
        return encoded

    def _encoded_update(self, cell: int) -> bytes:
        encoded = self._encoded_updates.get(cell)
        if encoded is None:
            encoded = self._encoded_updates[cell] = _PACKER.pack(self._updates[cell])
            self.encodes += 1
        return encoded
