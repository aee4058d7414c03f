"""The two interfaces a room talks through: ``Dispatcher`` (the network) and
``RoomListener`` (who keeps track of rooms: the lobby)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from server.room import Room


class Dispatcher(Protocol):
    """What a room needs from the network: four verbs, all addressed by Socket.IO ids."""

    def broadcast(self, room_id: str, event: str, payload: Any) -> int:
        """Send one event to every member of a room, encoded once, without waiting; returns
        the payload bytes sent (size times recipients)."""

    def send(self, sid: str, event: str, payload: Any) -> None:
        """Send one event to one connection, without waiting."""

    async def enter(self, sid: str, room_id: str) -> None:
        """Add a connection to a room's broadcast group."""

    async def exit(self, sid: str, room_id: str) -> None:
        """Remove a connection from a room's broadcast group."""


class RoomListener(Protocol):
    """Hears a room's membership and listing changes (the lobby). Called synchronously, also
    in the middle of a tick: implementations must not block and must not call back into the
    room."""

    def member_joined(self, room: Room, sid: str) -> None:
        """Connection ``sid`` now has a place in ``room`` (admitted or resumed)."""

    def member_left(self, room: Room, sid: str, reason: str) -> None:
        """Connection ``sid`` lost its place: ``left`` (asked, or disconnected cleanly),
        ``dropped`` (connection lost; a player's seat is held), ``kicked`` or ``replaced``
        (its seat was resumed by another connection)."""

    def listing_changed(self, room: Room) -> None:
        """What the directory shows of ``room`` (counts, started) may have changed."""

    def closed(self, room: Room, code: str, sids: list[str]) -> None:
        """``room`` closed (``code``); ``sids``, its last members, lost their place."""
