"""A client's copy of a room's state, kept current from keyframes and deltas."""

from __future__ import annotations

from typing import Any

from shared import delta
from shared.protocol import CELL_STATE, KEYFRAME, STATE
from shared.schema import EntitySchema, Quantized


class StateMirror:
    """Entities and input acknowledgements of one room, as wire values.

    Feed it every keyframe (``load_keyframe``) and state message (``apply_state``). When
    ``apply_state`` returns False the mirror has seen a tick gap (or a delta it cannot apply)
    and ignores deltas until the next keyframe; ask the server for one.

    :param schema: how to read entity values (from the join answer).
    :param player_id: your player id, or None for a spectator.
    :param interest: the room sends only the cells around you (the welcome has ``interest``);
        ``cells`` then holds the ids in each cell you see.
    """

    def __init__(self, schema: EntitySchema, player_id: int | None,
                 interest: bool = False) -> None:
        self.schema = schema
        self.player_id = player_id
        self.interest = interest
        self.tick: int | None = None
        self.entities: dict[int, list[Quantized]] = {}
        self.cells: dict[int, set[int]] = {}
        self.acks: dict[int, int] = {}
        self.gaps = 0

    @property
    def synced(self) -> bool:
        """True once a keyframe arrived and no gap was seen since."""
        return self.tick is not None

    @property
    def ack(self) -> int:
        """The last input sequence number the server applied for you."""
        return self.acks.get(self.player_id, 0) if self.player_id is not None else 0

    def load_keyframe(self, message: list[Any]) -> None:
        """Replace everything with a keyframe ``[tick, entities, acks]`` (with interest:
        ``[tick, loads, acks]``)."""
        flat_acks = message[KEYFRAME.acks]
        if self.interest:
            self.entities, self.cells = {}, {}
            delta.apply_cells(self.schema, self.entities, self.cells, (),
                              message[KEYFRAME.entities], ())
        else:
            self.entities = {entity[0]: list(entity[1:])
                             for entity in message[KEYFRAME.entities]}
        self.acks = {flat_acks[i]: flat_acks[i + 1] for i in range(0, len(flat_acks), 2)}
        self.tick = message[KEYFRAME.tick]

    def apply_state(self, message: list[Any]) -> bool:
        """Apply a state message; False when it does not follow on (a gap)."""
        tick = message[STATE.tick]
        if self.tick is None:
            return True  # waiting for a keyframe already
        if tick <= self.tick:
            return True  # older than the keyframe we hold
        if tick != self.tick + 1:
            return self._lose_sync()
        try:
            if self.interest:
                self._apply_cells(message)
            else:
                self._apply_delta(message)
        except (KeyError, IndexError, TypeError, ValueError):
            return self._lose_sync()
        self.tick = tick
        return True

    def _apply_delta(self, message: list[Any]) -> None:
        parts = [*message, [], [], [], [], []]
        delta.apply(self.schema, self.entities, parts[STATE.groups], parts[STATE.spawns],
                    parts[STATE.removes])
        delta.apply_acks(self.acks, parts[STATE.acks])
        for pid in parts[STATE.departed]:
            self.acks.pop(pid, None)

    def _apply_cells(self, message: list[Any]) -> None:
        delta.apply_cells(self.schema, self.entities, self.cells, message[CELL_STATE.drops],
                          message[CELL_STATE.loads], message[CELL_STATE.updates])
        if self.player_id is not None:
            self.acks[self.player_id] = message[CELL_STATE.ack]

    def _lose_sync(self) -> bool:
        self.gaps += 1
        self.tick = None
        return False

    def entity(self, eid: int) -> dict[str, Any] | None:
        """One entity as ``{field name: value}``, or None."""
        wire = self.entities.get(eid)
        return self.schema.values(wire) if wire is not None else None

    def me(self) -> dict[str, Any] | None:
        """Your own entity, when the game gives it your player id (the arena does)."""
        return self.entity(self.player_id) if self.player_id is not None else None

    def view(self) -> dict[int, dict[str, Any]]:
        """Every entity as ``{field name: value}``."""
        return {eid: self.schema.values(wire) for eid, wire in self.entities.items()}

    def digest(self) -> str:
        """Canonical hash; equals the server's for the same tick when in sync."""
        return delta.state_hash(self.entities, self.acks)
