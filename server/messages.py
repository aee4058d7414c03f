"""One-off messages from a game to one player or to its whole room, outside the state.

A game queues them with ``Game.send`` and ``Game.broadcast`` during its hooks; the room
delivers the queue right after that tick's state broadcast, as event ``m`` with payload
``[kind, payload]``. Every message is checked as it is queued: ``kind`` a string of 1 to
``MAX_KIND_LENGTH`` characters, the message encodable as msgpack in at most
``max_game_message_bytes``, at most ``max_game_messages_per_tick`` between two deliveries.
A message that does not fit is dropped and counted (the first one per room is logged), so a
bug in a game can neither break the wire nor stop its room.

``Published`` holds the domain events a game publishes (``Game.publish``) until the room
hands them to its listener, right after the tick's messages (the events producer checks
them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgpack

from server.interfaces import Dispatcher
from shared.protocol import EVENTS, LIMITS

log = logging.getLogger(__name__)

MAX_KIND_LENGTH = 32


@dataclass(slots=True)
class MessageCounters:
    """Game messages of every room: queued for delivery, and dropped as invalid or too many."""

    queued: int = 0
    dropped: int = 0


class Mailbox:
    """The ``MessageSink`` a room gives its game: checks and queues messages until delivery.

    :param room_id: named in the log when a message is dropped.
    :param counters: the process-wide counters to add to.
    :param max_bytes: largest encoded ``[kind, payload]``.
    :param max_per_tick: messages queued between two deliveries; more are dropped.
    """

    def __init__(self, room_id: str, counters: MessageCounters,
                 max_bytes: int = LIMITS.max_game_message_bytes,
                 max_per_tick: int = LIMITS.max_game_messages_per_tick) -> None:
        self.room_id = room_id
        self.counters = counters
        self.max_bytes = max_bytes
        self.max_per_tick = max_per_tick
        self.pending: list[tuple[int | None, list[Any]]] = []
        self._warned = False

    def send(self, player_id: int, kind: str, payload: Any = None) -> None:
        """Queue ``[kind, payload]`` for the player with id ``player_id``."""
        if isinstance(player_id, bool) or not isinstance(player_id, int):
            self._drop(f"player id {player_id!r} is not an integer")
            return
        self._queue(player_id, kind, payload)

    def broadcast(self, kind: str, payload: Any = None) -> None:
        """Queue ``[kind, payload]`` for every member of the room."""
        self._queue(None, kind, payload)

    def deliver(self, dispatcher: Dispatcher, room_id: str,
                sid_of: Callable[[int], str | None]) -> None:
        """Send the queued messages in order and empty the queue: a broadcast to room
        ``room_id`` (encoded once), a message for one player to its connection, found with
        ``sid_of(player_id)``; a player without one (dropped, gone) misses it."""
        pending, self.pending = self.pending, []
        for player_id, message in pending:
            if player_id is None:
                dispatcher.broadcast(room_id, EVENTS.message, message)
            elif (sid := sid_of(player_id)) is not None:
                dispatcher.send(sid, EVENTS.message, message)

    def _queue(self, to: int | None, kind: Any, payload: Any) -> None:
        if len(self.pending) >= self.max_per_tick:
            self._drop(f"more than {self.max_per_tick} messages in one tick")
            return
        if not isinstance(kind, str) or not 0 < len(kind) <= MAX_KIND_LENGTH:
            self._drop(f"kind {str(kind)[:40]!r} is not a string of 1-{MAX_KIND_LENGTH} chars")
            return
        try:
            encoded = msgpack.packb([kind, payload])
            if len(encoded) > self.max_bytes:
                self._drop(f"{kind!r} takes {len(encoded)} bytes (at most {self.max_bytes})")
                return
            # a private copy of exactly what was checked: the game may change its objects
            # before delivery
            message = msgpack.unpackb(encoded, strict_map_key=False)
        except (TypeError, ValueError, OverflowError) as error:
            self._drop(f"{kind!r} cannot be encoded: {error}")
            return
        self.pending.append((to, message))
        self.counters.queued += 1

    def _drop(self, reason: str) -> None:
        self.counters.dropped += 1
        if not self._warned:
            self._warned = True
            log.warning("room %s: game message dropped (%s); later drops are only counted",
                        self.room_id, reason)


class Published:
    """The events a game published since the last ``take`` (what ``Game.publish`` is given:
    ``append``). Holds no reference to the room, so the game keeps none either."""

    def __init__(self) -> None:
        self.pending: list[tuple[str, Mapping[str, Any]]] = []

    def append(self, kind: str, data: Mapping[str, Any]) -> None:
        """Keep one event for the next ``take``."""
        self.pending.append((kind, data))

    def take(self) -> list[tuple[str, Mapping[str, Any]]]:
        """Every kept event, in order; forgets them."""
        pending, self.pending = self.pending, []
        return pending
