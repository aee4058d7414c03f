"""Where a player's request for a seat is answered: in this process, or across a cluster.

The gateway checks a request and its limits, then asks a ``Seating`` for the seat.
``LocalSeating`` serves one process through the lobby. ``server.cluster.routing.
ClusterSeating`` serves a node of a cluster: the same answers when the room is (or goes)
here, a ``Moved`` answer with a seat reservation when it is (or goes) elsewhere, and
``redeem`` for the reservations other nodes hand out.
"""

from __future__ import annotations

from typing import Any, Protocol

from server.lobby import Lobby, RoomRequest
from server.sessions import Session
from shared.protocol import ProtocolError

Welcome = dict[str, Any]


class Seating(Protocol):
    """Seats connections in rooms; every method returns the welcome or raises
    ``ProtocolError`` (``Moved`` when the seat is on another node)."""

    async def create(self, session: Session, request: RoomRequest,
                     metadata: dict[str, Any]) -> Welcome:
        """A new room, with the session as its host."""

    async def join(self, session: Session, code: str, room_id: str, spectate: bool,
                   metadata: dict[str, Any]) -> Welcome:
        """A seat in the room with this join code (normalized) or id."""

    async def quick(self, session: Session, request: RoomRequest,
                    metadata: dict[str, Any]) -> Welcome:
        """A seat in the fullest suitable public room, or in a new one."""

    async def resume(self, session: Session, room_id: str, token: str) -> Welcome:
        """The held seat of ``token`` in room ``room_id``."""

    async def redeem(self, session: Session, reservation: str,
                     metadata: dict[str, Any]) -> Welcome:
        """The seat a reservation (from a ``Moved`` answer) stands for."""

    async def rooms(self, game: str | None) -> list[dict[str, Any]]:
        """Listings of public rooms."""


class LocalSeating:
    """Seats in the rooms of this process.

    :param lobby: the rooms.
    """

    def __init__(self, lobby: Lobby) -> None:
        self.lobby = lobby

    async def create(self, session: Session, request: RoomRequest,
                     metadata: dict[str, Any]) -> Welcome:
        room = await self.lobby.create(session.sid, request, address=session.address)
        return await room.admit(session.sid, session.name, metadata=metadata)

    async def join(self, session: Session, code: str, room_id: str, spectate: bool,
                   metadata: dict[str, Any]) -> Welcome:
        room = await self.lobby.find(code=code, room_id=room_id)
        return await room.admit(session.sid, session.name, spectate, metadata)

    async def quick(self, session: Session, request: RoomRequest,
                    metadata: dict[str, Any]) -> Welcome:
        return await self.lobby.quick_join(session.sid, session.name, request, metadata,
                                           session.address)

    async def resume(self, session: Session, room_id: str, token: str) -> Welcome:
        try:
            room = await self.lobby.find(room_id=room_id)
        except ProtocolError:
            raise ProtocolError("seat_expired") from None
        return await room.resume(session.sid, token)

    async def redeem(self, session: Session, reservation: str,
                     metadata: dict[str, Any]) -> Welcome:
        raise ProtocolError("bad_reservation", "This server is not part of a cluster")

    async def rooms(self, game: str | None) -> list[dict[str, Any]]:
        return await self.lobby.public_rooms(game)
