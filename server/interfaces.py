"""The two interfaces a room talks through: ``Dispatcher`` (the network) and
``RoomListener`` (who keeps track of rooms: the lobby, and the events it produces)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from server.room import Room
    from server.roster import Member


class Dispatcher(Protocol):
    """What a room needs from the network: five verbs, all addressed by Socket.IO ids."""

    def broadcast(self, room_id: str, event: str, payload: Any) -> int:
        """Send one event to every member of a room, encoded once, without waiting; returns
        the payload bytes sent (size times recipients)."""

    def send(self, sid: str, event: str, payload: Any) -> None:
        """Send one event to one connection, without waiting."""

    def send_encoded(self, sid: str, event: str, payload: bytes) -> int:
        """Send one event whose payload is already msgpack to one connection, without
        waiting; returns the payload bytes sent."""

    async def enter(self, sid: str, room_id: str) -> None:
        """Add a connection to a room's broadcast group."""

    async def exit(self, sid: str, room_id: str) -> None:
        """Remove a connection from a room's broadcast group."""


class RoomListener(Protocol):
    """Hears a room's life: its start, membership and listing changes, its game's events, its
    close (the lobby, and the room events producer). Called synchronously, also in the middle
    of a tick: implementations must not block and must not call back into the room."""

    def opened(self, room: Room) -> None:
        """``room`` runs (called once, before anyone joins)."""

    def started(self, room: Room) -> None:
        """``room``'s game started (the host's start, or at once for quick-play rooms)."""

    def member_joined(self, room: Room, member: Member, resumed: bool) -> None:
        """``member`` (connection ``member.sid``) now has a place in ``room``: admitted, or
        back on its held seat (``resumed``)."""

    def member_left(self, room: Room, sid: str | None, member: Member, reason: str) -> None:
        """``member`` lost its place: ``left`` (asked, or disconnected cleanly), ``dropped``
        (connection lost; a player's seat is held), ``kicked``, ``replaced`` (its seat was
        resumed by another connection) or ``seat_expired`` (a held seat ran out). ``sid`` is
        the connection that lost it; None for a held seat."""

    def listing_changed(self, room: Room) -> None:
        """What the directory shows of ``room`` (counts, started) may have changed."""

    def game_event(self, room: Room, kind: str, data: Mapping[str, Any]) -> None:
        """``room``'s game published a domain event of its own (``Game.publish``)."""

    def closed(self, room: Room, code: str, sids: list[str]) -> None:
        """``room`` closed (``code``); ``sids``, its last members, lost their place. The
        game's ``result`` is in ``room.result``."""


class Listeners:
    """Several ``RoomListener``, heard in the order given."""

    def __init__(self, *listeners: RoomListener) -> None:
        self.listeners = listeners

    def opened(self, room: Room) -> None:
        """See ``RoomListener``."""
        for listener in self.listeners:
            listener.opened(room)

    def started(self, room: Room) -> None:
        """See ``RoomListener``."""
        for listener in self.listeners:
            listener.started(room)

    def member_joined(self, room: Room, member: Member, resumed: bool) -> None:
        """See ``RoomListener``."""
        for listener in self.listeners:
            listener.member_joined(room, member, resumed)

    def member_left(self, room: Room, sid: str | None, member: Member, reason: str) -> None:
        """See ``RoomListener``."""
        for listener in self.listeners:
            listener.member_left(room, sid, member, reason)

    def listing_changed(self, room: Room) -> None:
        """See ``RoomListener``."""
        for listener in self.listeners:
            listener.listing_changed(room)

    def game_event(self, room: Room, kind: str, data: Mapping[str, Any]) -> None:
        """See ``RoomListener``."""
        for listener in self.listeners:
            listener.game_event(room, kind, data)

    def closed(self, room: Room, code: str, sids: list[str]) -> None:
        """See ``RoomListener``."""
        for listener in self.listeners:
            listener.closed(room, code, sids)
