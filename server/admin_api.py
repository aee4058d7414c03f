"""The admin API: an announcement to every connected client, a kick from any room.

Both endpoints need ``Authorization: Bearer <--admin-token>`` (compared in constant time;
401 otherwise) and answer 403 while no admin token is configured. In a cluster they reach
every node through the Socket.IO client manager's message queue (``server.cluster.bus``):

- ``POST /api/admin/announce`` ``{"message": "..."}`` (1-200 characters): every client on
  every node gets the event ``announce {message}``. 202 ``{"ok": true}``.
- ``POST /api/admin/kick`` ``{"room_id": "...", "player_id": 7}``: the room's node kicks the
  player (``closed {code: "kicked"}``, no way back into that room). 202 ``{"ok": true,
  "node": "<owner>"}``; 404 for a room the directory does not know.

Bad bodies answer 400 with ``{ok: false, code, message}``; a cluster whose Redis does not
answer gives 503 ``cluster_unavailable``.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from server.cluster.bus import CONTROL_EVENT, node_room
from server.lobby import Lobby
from server.net.inbound import NAMESPACE
from server.net.socketio_server import TickwireServer
from server.requests import Arg, Shape
from shared.protocol import EVENTS, ProtocolError

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 4096
ANNOUNCE = Shape(message=Arg(str, max_length=200))
KICK = Shape(room_id=Arg(str, max_length=32), player_id=Arg(int, low=1, high=2**31))

Locate = Callable[[str], Awaitable[str | None]]  # room id -> its node's id, if it exists


class AdminApi:
    """The admin endpoints and the control messages they send between nodes.

    :param sio: the Socket.IO server (its manager carries emits to every node).
    :param lobby: this node's rooms (kicks are carried out here for rooms here).
    :param node_id: this node's id.
    :param locate: the node of a room, from the directory.
    :param token: the admin token; empty disables the API.
    :param healthy: False while the cluster's Redis does not answer.
    """

    def __init__(self, sio: TickwireServer, lobby: Lobby, node_id: str, locate: Locate,
                 token: str, healthy: Callable[[], bool] = lambda: True) -> None:
        self.sio = sio
        self.lobby = lobby
        self.node_id = node_id
        self.locate = locate
        self.expected = f"Bearer {token}".encode() if token else b""
        self.healthy = healthy

    def route(self, app: web.Application) -> None:
        """Add the endpoints to ``app``."""
        app.router.add_post("/api/admin/announce", self.announce)
        app.router.add_post("/api/admin/kick", self.kick)

    async def announce(self, request: web.Request) -> web.Response:
        """``POST /api/admin/announce``."""
        body = await self._body(request, ANNOUNCE)
        if not self.healthy():
            raise _refusal(503, ProtocolError("cluster_unavailable"))
        await self.sio.emit(EVENTS.announce, {"message": body["message"]}, namespace=NAMESPACE)
        log.info("announcement sent: %.80r", body["message"])
        return web.json_response({"ok": True}, status=202)

    async def kick(self, request: web.Request) -> web.Response:
        """``POST /api/admin/kick``."""
        body = await self._body(request, KICK)
        try:
            node = await self.locate(body["room_id"])
        except ProtocolError as error:
            raise _refusal(503, error) from None
        if node is None:
            raise _refusal(404, ProtocolError("room_not_found"))
        await self.sio.emit(CONTROL_EVENT, {"op": "kick", **body}, to=node_room(node),
                            namespace=NAMESPACE)
        return web.json_response({"ok": True, "node": node}, status=202)

    async def on_control(self, payload: dict[str, Any]) -> None:
        """A control message for this node (see ``server.cluster.bus``)."""
        if payload.get("op") != "kick":
            log.warning("ignored a control message: %.100r", payload)
            return
        room = self.lobby.rooms.get(str(payload.get("room_id")))
        player_id = payload.get("player_id")
        if room is None or not isinstance(player_id, int):
            return
        try:
            await room.kick(None, player_id)
            log.info("admin kicked player %d from room %s", player_id, room.id)
        except ProtocolError as error:
            log.info("admin kick of player %s in room %s: %s", player_id, room.id, error.code)

    async def _body(self, request: web.Request, shape: Shape) -> dict[str, Any]:
        if not self.expected:
            raise web.HTTPForbidden(text="the admin API is off; start with --admin-token")
        given = request.headers.get("Authorization", "").encode()
        if not secrets.compare_digest(given, self.expected):
            raise web.HTTPUnauthorized(text="an admin token is required")
        if request.content_length is None or request.content_length > MAX_BODY_BYTES:
            raise _refusal(400, ProtocolError("bad_request", "send a JSON body under 4 KiB"))
        try:
            return shape.parse(json.loads(await request.read()))
        except ValueError:
            raise _refusal(400, ProtocolError("bad_request", "the body is not JSON")) from None
        except ProtocolError as error:
            raise _refusal(400, error) from None


def _refusal(status: int, error: ProtocolError) -> web.HTTPException:
    kinds = {400: web.HTTPBadRequest, 404: web.HTTPNotFound, 503: web.HTTPServiceUnavailable}
    return kinds[status](text=json.dumps(error.to_wire()), content_type="application/json")
