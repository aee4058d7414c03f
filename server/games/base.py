"""The Game interface: the rules of one game, driven by a Room.

A game owns rules only. The room owns the clock, members, inputs and the wire; it calls the
game in this order every tick: ``join``, ``disconnect``, ``reconnect`` and ``leave`` for
membership changes since the last tick, ``apply`` for each queued input in sequence order,
then ``step``. After the tick the room quantizes ``entities`` with ``entity_schema``,
broadcasts what changed, then delivers the messages the game queued with ``send`` and
``broadcast``. Between ticks it asks ``join_attempt`` before admitting anyone, and calls
``end`` once when the room closes, then ``result`` for the ``room.ended`` event. Domain
events of the game's own (the arena's ``arena.kill``) go out with ``publish``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from shared.grid import Grid
from shared.schema import EntitySchema, InputSchema, SettingsSchema


@dataclass(frozen=True, slots=True)
class Player:
    """What a game knows about a player: a room-unique id and a display name."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class GameResult:
    """How a room's game came out, carried by its ``room.ended`` event.

    :param scores: each player's score by player id (players who left may be included).
    :param winner: the winning player's id; None when nobody won.
    """

    scores: Mapping[int, int]
    winner: int | None = None


Publish = Callable[[str, Mapping[str, Any]], None]  # (kind, data): see ``Game.publish``


def _unpublished(kind: str, data: Mapping[str, Any]) -> None:
    """Where the events of a game without a room go: nowhere."""


@dataclass(frozen=True, slots=True)
class JoinRequest:
    """Someone who asks to join the room.

    :param name: the display name.
    :param spectate: True to watch rather than play.
    :param metadata: what the client sent along (``metadata`` of ``create``, ``join`` or
        ``quick``): a few string keys with null, boolean, number or short string values
        (``max_metadata_entries`` and ``max_metadata_chars`` in ``shared/protocol.json``).
    """

    name: str
    spectate: bool = False
    metadata: Mapping[str, Any] = field(default_factory=dict)


class MessageSink(Protocol):
    """Where a game's one-off messages go (the room's ``server.messages.Mailbox``)."""

    def send(self, player_id: int, kind: str, payload: Any = None) -> None:
        """Queue a message for one player."""

    def broadcast(self, kind: str, payload: Any = None) -> None:
        """Queue a message for every member of the room."""


class Unsent:
    """The ``MessageSink`` of a game that runs without a room (tools, unit tests): messages
    go nowhere."""

    def send(self, player_id: int, kind: str, payload: Any = None) -> None:
        """Discard the message."""

    def broadcast(self, kind: str, payload: Any = None) -> None:
        """Discard the message."""


class Game:
    """Base class for games. Subclasses declare the three schemas and override the hooks.

    :param settings: validated settings (see ``settings_schema``).
    :param new_id: gives a fresh room-unique id for a new entity.
    :param rng: the room's random generator; use it instead of the ``random`` module.
    :param dt: seconds per tick; the room steps the game at this fixed rate.
    :param messages: where ``send`` and ``broadcast`` queue messages; the room passes its
        own (default: ``Unsent``, for a game without a room).
    :param publish: where ``publish`` hands events; the room passes its own (default:
        nowhere, for a game without a room).
    """

    name: ClassVar[str]
    entity_schema: ClassVar[EntitySchema]
    input_schema: ClassVar[InputSchema]
    settings_schema: ClassVar[SettingsSchema]
    # interest management: each client receives only the grid cells around its own entity
    # (the entity whose id is its player id); None sends everyone the whole state
    interest: ClassVar[Grid | None] = None

    def __init__(
        self,
        settings: Mapping[str, Any],
        new_id: Callable[[], int],
        rng: random.Random,
        dt: float,
        messages: MessageSink | None = None,
        publish: Publish = _unpublished,
    ) -> None:
        self.settings = dict(settings)
        self.new_id = new_id
        self.rng = rng
        self.dt = dt
        self.messages: MessageSink = messages if messages is not None else Unsent()
        self._publish = publish
        self.entities: dict[int, Any] = {}

    @classmethod
    def max_entities(cls, settings: Mapping[str, Any], max_players: int) -> int:
        """The most entities a room with these (validated) settings may hold at once: the
        server's room budget charges ``max_entities * tick rate`` for it. The default counts
        one entity per player; games that add their own must say so."""
        return max_players

    # -- hooks -----------------------------------------------------------------------------

    def join_attempt(self, request: JoinRequest) -> str | None:
        """Someone asks to join (create, join or quick join; resuming a held seat is not
        asked): return None to admit them, or a short reason to refuse, which the client
        receives as ``join_refused`` (at most 100 characters are sent). Called between
        ticks: look at the world, do not change it. An exception refuses the join."""
        return None

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

    def end(self, reason: str) -> None:
        """The room is closing, after its last tick: called once, with the reason its members
        are given (``room_closed``, ``game_error`` or ``shutting_down``). Messages sent here
        are delivered before the room's ``closed`` event. An exception is logged and the
        room closes all the same."""

    def result(self) -> GameResult | None:
        """How the game came out, asked once right after ``end``: the scores and the winner
        that the ``room.ended`` event carries (None: no scores, the default). An exception
        is logged and the event goes out without scores."""
        return None

    # -- messages --------------------------------------------------------------------------

    def send(self, player_id: int, kind: str, payload: Any = None) -> None:
        """Send a one-off message (event ``m``, ``[kind, payload]``) to one player, outside
        the state: delivered right after this tick's state, dropped if that player's
        connection is down. See ``broadcast`` for the bounds."""
        self.messages.send(player_id, kind, payload)

    def broadcast(self, kind: str, payload: Any = None) -> None:
        """Send a one-off message to every member of the room (spectators too): a kill feed
        line, a sound cue, a chat line. ``kind`` is 1-32 characters, ``[kind, payload]`` must
        encode as msgpack in at most ``max_game_message_bytes``, and a room delivers at most
        ``max_game_messages_per_tick`` (``shared/protocol.json``). A message that does not
        fit is dropped and counted; it never stops the game."""
        self.messages.broadcast(kind, payload)

    # -- events ----------------------------------------------------------------------------

    def publish(self, kind: str, data: Mapping[str, Any]) -> None:
        """Publish a domain event of this game to the event sinks, as type ``<name>.<kind>``
        with ``data`` (the arena: ``arena.kill``). Never waits; the room takes the events
        after the tick (or the ``end`` hook), so pass a fresh ``data`` object. ``kind`` is 1-32
        lowercase letters, digits and ``_``; ``data`` a JSON object of at most 4 KiB (see
        shared/EVENTS.md); an event that does not fit is dropped and counted."""
        self._publish(kind, data)
