"""State tracking for one room: the last broadcast snapshot, deltas against it, keyframes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.interfaces import Dispatcher
from shared.delta import diff, diff_acks, keyframe_message, state_hash, state_message
from shared.protocol import EVENTS
from shared.schema import EntitySchema, Snapshot


class StateSync:
    """Remembers what the room last broadcast and computes each tick's delta once.

    The keyframe always shows the last broadcast tick, so the next delta applies on top of
    it for a client that just received it.
    """

    def __init__(self, schema: EntitySchema) -> None:
        self.schema = schema
        self.tick = 0
        self.snapshot: Snapshot = {}
        self.acks: dict[int, int] = {}
        self.message: list[Any] = [0]
        self._keyframe: list[Any] | None = None

    def advance(
        self, tick: int, entities: Mapping[int, Any], acks: Mapping[int, int],
        departed: list[int],
    ) -> None:
        """Snapshot ``entities`` and remember the state message for ``tick`` (``message``).

        ``departed`` lists players who left since the last tick, so mirrors drop their acks.
        """
        now = self.schema.snapshot(entities)
        groups, spawns, removes = diff(self.schema, self.snapshot, now)
        self.message = state_message(tick, groups, diff_acks(self.acks, acks), spawns, removes,
                                     departed)
        self.tick = tick
        self.snapshot = now
        self.acks = dict(acks)
        self._keyframe = None

    def deliver(self, dispatcher: Dispatcher, room_id: str, members: Mapping[str, Any]) -> int:
        """Broadcast the last tick's state message to the room, encoded once; the bytes
        sent."""
        return dispatcher.broadcast(room_id, EVENTS.state, self.message)

    def keyframe_for(self, sid: str, player_id: int | None) -> list[Any]:
        """The keyframe (the same for every connection)."""
        return self.keyframe()

    def keyframe(self) -> list[Any]:
        """The keyframe of the last broadcast tick (built once per tick, on demand)."""
        if self._keyframe is None:
            self._keyframe = keyframe_message(self.tick, self.snapshot, self.acks)
        return self._keyframe

    def digest(self) -> str:
        """Canonical hash of the last broadcast state (see ``shared.delta.state_hash``)."""
        return state_hash(self.snapshot, self.acks)
