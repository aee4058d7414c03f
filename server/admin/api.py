"""The admin API's endpoints, declared once (``AdminApi.operations``): the router and the
OpenAPI description (``GET /api/openapi.json``) are both built from the declarations.

Reads: ``GET /api/admin/nodes`` (every node's numbers with five minutes of history),
``GET /api/admin/rooms`` (every room's row), ``GET /api/admin/rooms/{room_id}`` (one room
with its players). Actions, answered 202 ``{ok, node}`` once sent to the node that carries
them out (``server.admin.control``): ``POST /api/admin/announce {message}`` (every client of
every node), ``POST /api/admin/rooms/{room_id}/kick {player_id}`` (also the older
``POST /api/admin/kick {room_id, player_id}``), ``.../close``, ``.../start``,
``POST /api/admin/nodes/{node_id}/drain {draining}``. Tickets for what cannot send a header:
``POST /api/admin/tickets`` (the monitor's event stream, ``GET /api/admin/feed?ticket=``) and
``POST /api/admin/rooms/{room_id}/watch`` (a Socket.IO ``join {room_id, watch}`` as an
uncounted spectator on the room's node).

Bad bodies answer 400, unknown rooms and nodes 404, a cluster whose Redis does not answer 503;
every error is ``{ok: false, code, message}``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web

from server.admin.auth import AdminGuard, json_error
from server.admin.control import NodeControl
from server.admin.feed import MonitorFeed
from server.admin.fleet import LocalFleet
from server.admin.openapi import EVENT, TICKET, Operation, describe
from server.net.inbound import NAMESPACE
from server.net.socketio_server import TickwireServer
from server.requests import Arg, Shape
from shared.protocol import EVENTS, VERSION, ProtocolError

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 4096
OPENAPI_PATH = "/api/openapi.json"
ANNOUNCE = Shape(message=Arg(str, max_length=200))
KICK = Shape(room_id=Arg(str, max_length=32), player_id=Arg(int, low=1, high=2**31))
KICK_IN_ROOM = Shape(player_id=Arg(int, low=1, high=2**31))
DRAIN = Shape(draining=Arg(bool, True))
NOTHING = Shape()
ROOM_ID = "room_id"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class AdminApi:
    """The admin endpoints (see the module docstring).

    :param guard: token, rate limits and tickets.
    :param fleet: where nodes and rooms are read.
    :param control: carries out actions on the right node.
    :param sio: the Socket.IO server (announcements).
    :param feed: the monitor's event stream.
    :param healthy: False while the cluster's Redis does not answer.
    :param described: other endpoints of the server (routed elsewhere) that the OpenAPI
        document describes too: the event stream and the match history.
    """

    def __init__(self, guard: AdminGuard, fleet: LocalFleet, control: NodeControl,
                 sio: TickwireServer, feed: MonitorFeed,
                 healthy: Callable[[], bool] = lambda: True,
                 described: Sequence[Operation] = ()) -> None:
        self.guard = guard
        self.fleet = fleet
        self.control = control
        self.sio = sio
        self.feed = feed
        self.healthy = healthy
        self._openapi = describe([*self.operations(), *described], str(VERSION))

    def operations(self) -> list[Operation]:
        """Every endpoint, as routed and as described."""
        room = "/api/admin/rooms/{room_id}"
        nodes_answer = {"type": "object", "required": ["nodes"], "properties": {
            "nodes": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}
        rooms_answer = {"type": "object", "required": ["rooms"], "properties": {
            "rooms": {"type": "array", "items": {"$ref": "#/components/schemas/Room"}}}}
        return [
            Operation("GET", OPENAPI_PATH, self.openapi, "This description", token=False,
                      answer={"type": "object"}),
            Operation("GET", "/api/admin/nodes", self.nodes, "Every node: numbers and history",
                      answer=nodes_answer, errors=(503,)),
            Operation("POST", "/api/admin/nodes/{node_id}/drain", self.drain,
                      "Drain a node (no new rooms; running rooms finish), or undo it",
                      DRAIN, status=202, errors=(400, 404, 503)),
            Operation("GET", "/api/admin/rooms", self.rooms, "Every room", answer=rooms_answer,
                      errors=(503,)),
            Operation("GET", room, self.room, "One room and its players", errors=(404, 503),
                      answer={"$ref": "#/components/schemas/RoomDetail"}),
            Operation("POST", room + "/kick", self.kick_in_room, "Kick a player",
                      KICK_IN_ROOM, status=202, errors=(400, 404, 503)),
            Operation("POST", room + "/close", self.close_room, "Close a room", NOTHING,
                      status=202, errors=(400, 404, 503)),
            Operation("POST", room + "/start", self.start_room, "Start a room's game",
                      NOTHING, status=202, errors=(400, 404, 503)),
            Operation("POST", room + "/watch", self.watch, "A ticket to watch a room "
                      "(Socket.IO join {room_id, watch: ticket} at url)", NOTHING,
                      answer=TICKET, errors=(400, 404, 503)),
            Operation("POST", "/api/admin/kick", self.kick, "Kick a player (room in the body)",
                      KICK, status=202, errors=(400, 404, 503)),
            Operation("POST", "/api/admin/announce", self.announce,
                      "Announce a message to every client of every node", ANNOUNCE,
                      status=202, errors=(400, 503)),
            Operation("POST", "/api/admin/tickets", self.ticket,
                      "A ticket for the monitor's event stream", NOTHING, answer=TICKET,
                      errors=(400,)),
            Operation("GET", "/api/admin/feed", self.feed.stream,
                      "The monitor's server-sent events: nodes, rooms, and room (with ?room=)",
                      token=False, media="text/event-stream", answer=EVENT,
                      errors=(401, 403), query={
                          "ticket": {"type": "string", "maxLength": 512, "required": True},
                          "room": {"type": "string", "maxLength": 32}}),
        ]

    def route(self, app: web.Application) -> None:
        """Add every endpoint to ``app``."""
        for op in self.operations():
            handler = op.handler if not op.token else self._guarded(op.handler)
            app.router.add_route(op.method, op.path, handler)

    def _guarded(self, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            self.guard.check(request)
            try:
                return await handler(request)
            except ProtocolError as error:
                raise json_error(503 if error.code == "cluster_unavailable" else 400,
                                 error.code, error.message) from None

        return guarded

    # -- reads -------------------------------------------------------------------------------

    async def openapi(self, request: web.Request) -> web.Response:
        """``GET /api/openapi.json``."""
        return web.json_response(self._openapi)

    async def nodes(self, request: web.Request) -> web.Response:
        """``GET /api/admin/nodes``."""
        return web.json_response({"nodes": await self.fleet.nodes()})

    async def rooms(self, request: web.Request) -> web.Response:
        """``GET /api/admin/rooms``."""
        return web.json_response({"rooms": await self.fleet.rooms()})

    async def room(self, request: web.Request) -> web.Response:
        """``GET /api/admin/rooms/{room_id}``."""
        detail = await self.fleet.room(_room_id(request))
        if detail is None:
            raise _no_room()
        return web.json_response(detail)

    # -- actions -----------------------------------------------------------------------------

    async def announce(self, request: web.Request) -> web.Response:
        """``POST /api/admin/announce``."""
        body = await _body(request, ANNOUNCE)
        if not self.healthy():
            raise json_error(503, "cluster_unavailable", "the cluster's Redis does not answer")
        await self.sio.emit(EVENTS.announce, {"message": body["message"]}, namespace=NAMESPACE)
        log.info("announcement sent: %.80r", body["message"])
        return _accepted("")

    async def kick(self, request: web.Request) -> web.Response:
        """``POST /api/admin/kick``."""
        body = await _body(request, KICK)
        return await self._in_room(body["room_id"], "kick", player_id=body["player_id"])

    async def kick_in_room(self, request: web.Request) -> web.Response:
        """``POST /api/admin/rooms/{room_id}/kick``."""
        body = await _body(request, KICK_IN_ROOM)
        return await self._in_room(_room_id(request), "kick", player_id=body["player_id"])

    async def close_room(self, request: web.Request) -> web.Response:
        """``POST /api/admin/rooms/{room_id}/close``."""
        await _body(request, NOTHING)
        return await self._in_room(_room_id(request), "close")

    async def start_room(self, request: web.Request) -> web.Response:
        """``POST /api/admin/rooms/{room_id}/start``."""
        await _body(request, NOTHING)
        return await self._in_room(_room_id(request), "start")

    async def drain(self, request: web.Request) -> web.Response:
        """``POST /api/admin/nodes/{node_id}/drain``."""
        body = await _body(request, DRAIN)
        node = request.match_info["node_id"]
        if not any(report["id"] == node for report in await self.fleet.nodes()):
            raise json_error(404, "node_not_found", "no live node with that id")
        await self.control.send(node, "drain", draining=body["draining"])
        return _accepted(node)

    async def watch(self, request: web.Request) -> web.Response:
        """``POST /api/admin/rooms/{room_id}/watch``."""
        await _body(request, NOTHING)
        room_id = _room_id(request)
        node = await self.fleet.locate(room_id)
        url = await self.fleet.public_url(node) if node else None
        if url is None:
            raise _no_room()
        tickets = self.guard.tickets
        return web.json_response({"ticket": tickets.issue("watch", room_id), "url": url,
                                  "room_id": room_id, "expires_in": tickets.lifetime})

    async def ticket(self, request: web.Request) -> web.Response:
        """``POST /api/admin/tickets``."""
        await _body(request, NOTHING)
        tickets = self.guard.tickets
        return web.json_response({"ticket": tickets.issue("feed"),
                                  "expires_in": tickets.lifetime})

    async def _in_room(self, room_id: str, op: str, **fields: Any) -> web.Response:
        node = await self.fleet.locate(room_id)
        if node is None:
            raise _no_room()
        await self.control.send(node, op, room_id=room_id, **fields)
        return _accepted(node)


def _room_id(request: web.Request) -> str:
    room_id = request.match_info[ROOM_ID]
    if len(room_id) > 32:
        raise _no_room()
    return room_id


def _no_room() -> web.HTTPException:
    return json_error(404, "room_not_found", "no open room with that id")


def _accepted(node: str) -> web.Response:
    return web.json_response({"ok": True, "node": node} if node else {"ok": True}, status=202)


def _number(text: str) -> int | float:
    """A JSON number with a fraction: ``65535.0`` is the integer JSON Schema says it is."""
    value = float(text)
    return int(value) if value.is_integer() and abs(value) <= 2**53 else value


async def _body(request: web.Request, shape: Shape) -> dict[str, Any]:
    """The request's JSON body checked against ``shape`` (an empty body is ``{}``)."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise json_error(400, "bad_request", "send a JSON body under 4 KiB")
    raw = await request.content.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise json_error(400, "bad_request", "send a JSON body under 4 KiB")
    try:
        data = json.loads(raw, parse_float=_number) if raw.strip() else {}
        if not isinstance(data, dict):
            raise json_error(400, "bad_request", "the body must be a JSON object")
        return shape.parse(data)
    except ValueError:
        raise json_error(400, "bad_request", "the body is not JSON") from None
    except ProtocolError as error:
        raise json_error(400, error.code, error.message) from None
