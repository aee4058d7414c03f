"""The Game interface: the rules of one game, driven by a Room.

A game owns rules only. The room owns the clock, members, inputs and the wire; it calls the
game in this order every tick: ``join``, ``disconnect``, ``reconnect`` and ``leave`` for
membership changes since the last tick, ``apply`` for each queued input in sequence order,
then ``step``. After the tick the room
quantizes ``entities`` with ``entity_schema`` and broadcasts what changed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from shared.schema import EntitySchema, InputSchema, SettingsSchema


@dataclass(frozen=True, slots=True)
class Player:
    """What a game knows about a player: a room-unique id and a display name."""

    id: int
    name: str


class Game:
    """Base class for games. Subclasses declare the three schemas and override the hooks.

    :param settings: validated settings (see ``settings_schema``).
    :param new_id: gives a fresh room-unique id for a new entity.
    :param rng: the room's random generator; use it instead of the ``random`` module.
    :param dt: seconds per tick; the room steps the game at this fixed rate.
    """

    name: ClassVar[str]
    entity_schema: ClassVar[EntitySchema]
    input_schema: ClassVar[InputSchema]
    settings_schema: ClassVar[SettingsSchema]

    def __init__(
        self,
        settings: Mapping[str, Any],
        new_id: Callable[[], int],
        rng: random.Random,
        dt: float,
    ) -> None:
        self.settings = dict(settings)
        self.new_id = new_id
        self.rng = rng
        self.dt = dt
        self.entities: dict[int, Any] = {}

    def start(self) -> None:
        """The host started the game."""

    def join(self, player: Player) -> None:
        """A player joined."""

    def leave(self, player: Player) -> None:
        """A player left or was removed."""

    def disconnect(self, player: Player) -> None:
        """A player's connection dropped; the seat is held and may come back."""

    def reconnect(self, player: Player) -> None:
        """A dropped player is back on the held seat."""

    def apply(self, player: Player, values: dict[str, Any]) -> None:
        """Apply one validated input of ``player``."""

    def step(self, tick: int) -> None:
        """Advance the world by one tick (``dt`` seconds) to tick number ``tick``."""

    def status(self) -> dict[str, Any]:
        """Small room-wide status (phase, timer, winner) shown with the room; keep it stable."""
        return {}
