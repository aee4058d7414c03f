"""The ``Dispatcher`` rooms use (see ``server.room``), on top of the Socket.IO server."""

from __future__ import annotations

from typing import Any

import socketio

from server.net.inbound import NAMESPACE


class SocketDispatcher:
    """Broadcasts, sends and Socket.IO room membership for rooms, addressed by Socket.IO ids."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self.sio = sio

    def broadcast(self, room_id: str, event: str, payload: Any) -> int:
        """Send one event to every member of a room, encoded once, without waiting; returns
        the payload bytes sent (size times recipients)."""
        return self.sio.manager.fanout(event, [payload], NAMESPACE, room_id)

    def send(self, sid: str, event: str, payload: Any) -> None:
        """Send one event to one connection, without waiting."""
        self.sio.manager.fanout(event, [payload], NAMESPACE, sid)

    def send_encoded(self, sid: str, event: str, payload: bytes) -> int:
        """Send one event whose payload is already msgpack to one connection, without
        waiting; returns the payload bytes sent."""
        return self.sio.manager.fanout_encoded(event, payload, NAMESPACE, sid)

    async def enter(self, sid: str, room_id: str) -> None:
        """Add a connection to a room's broadcast group."""
        await self.sio.enter_room(sid, room_id)

    async def exit(self, sid: str, room_id: str) -> None:
        """Remove a connection from a room's broadcast group."""
        await self.sio.leave_room(sid, room_id)
