"""The admin's actions, carried out on the node that runs the room (or the node named).

The admin API never acts on a room directly: it sends a control message (``server.cluster.
bus``: an emit of ``CONTROL_EVENT`` to the pseudo-room of the node) and that node's
``NodeControl.on_control`` carries it out. On a single server the message never leaves the
process; in a cluster it travels the Socket.IO client manager's queue like announcements do.
Operations: ``kick {room_id, player_id}``, ``close {room_id}``, ``start {room_id}``,
``drain {draining}``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from server.cluster.bus import CONTROL_EVENT, node_room
from server.lobby import Lobby
from server.logs import in_room
from server.net.inbound import NAMESPACE
from server.net.socketio_server import TickwireServer
from shared.protocol import ProtocolError

log = logging.getLogger(__name__)

OPERATIONS = frozenset({"kick", "close", "start", "drain"})


class NodeControl:
    """Sends control messages and carries out those addressed to this node.

    :param sio: the Socket.IO server (its manager carries the messages).
    :param lobby: this node's rooms.
    :param set_draining: turns this node's drain on or off (the lobby's, and in a cluster the
        registry's, so other nodes stop sending it rooms).
    """

    def __init__(self, sio: TickwireServer, lobby: Lobby,
                 set_draining: Callable[[bool], None]) -> None:
        self.sio = sio
        self.lobby = lobby
        self.set_draining = set_draining

    async def send(self, node: str, op: str, **fields: Any) -> None:
        """Ask node ``node`` to carry out ``op``."""
        assert op in OPERATIONS, op
        await self.sio.emit(CONTROL_EVENT, {"op": op, **fields}, to=node_room(node),
                            namespace=NAMESPACE)

    async def on_control(self, payload: dict[str, Any]) -> None:
        """A control message for this node."""
        op = payload.get("op")
        if op not in OPERATIONS:
            log.warning("ignored a control message: %.100r", payload)
            return
        if op == "drain":
            self.set_draining(bool(payload.get("draining")))
            log.info("admin turned draining %s", "on" if payload.get("draining") else "off")
            return
        room = self.lobby.rooms.get(str(payload.get("room_id")))
        if room is None or room.closed:
            log.info("admin %s of room %.32s: no such room here", op, payload.get("room_id"))
            return
        try:
            if op == "close":
                await room.close()
            elif op == "start":
                room.start(None)
            elif isinstance(player_id := payload.get("player_id"), int):
                await room.kick(None, player_id)
            log.info("admin %s in room %s done", op, room.id,
                     extra=in_room(room.id, payload.get("player_id")))
        except ProtocolError as error:
            log.info("admin %s in room %s: %s", op, room.id, error.code, extra=in_room(room.id))
