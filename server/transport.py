"""The Socket.IO server as Tickwire runs it.

- WebSockets are opened without permessage-deflate: per-recipient compression costs more CPU
  than it saves on our already compact deltas, and python-engineio's aiohttp driver offers
  no switch for it, so a small driver subclass sets ``compress=False``.
- Sending goes through ``server.fanout``: bounded per-connection outboxes that write finished
  frames straight to the websocket, and a client manager that encodes a broadcast once.
- Every message is bounded: larger than ``max_event_bytes`` or not a well-formed Socket.IO
  packet, it is dropped, counted, and the sender gets an ``error`` event.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import engineio
import engineio.async_socket
import socketio
from aiohttp import WSMsgType
from aiohttp.web import WebSocketResponse
from engineio import packet as eio_packet
from engineio.async_drivers import aiohttp as aiohttp_driver
from socketio import packet as sio_packet

from server.fanout import FanoutManager, Outbox, OutboxLimits
from server.fastlane import FrameSplitter
from server.metrics import TrafficStats
from shared.wire import MalformedPacket, TickwirePacket, unpack

log = logging.getLogger(__name__)

CLOSE_HANDSHAKE_SECONDS = 2.0  # how long a closing websocket waits for the client's reply

Rejector = Callable[[str, str, str], None]


class PlainWebSocket(aiohttp_driver.WebSocket):
    """python-engineio's aiohttp WebSocket without permessage-deflate.

    A connection that starts as a websocket (the normal case) is served by ``_serve``: its
    outbox writes straight to the socket, inputs are handled as their frames arrive
    (``server.fastlane``), and other messages are read and dispatched in this one task.
    python-engineio's own handler, kept for connections upgraded from long-polling, starts a
    task per received message plus a writer task per connection.
    """

    _reading = False  # True while ``_serve`` waits for the next message

    async def __call__(self, environ: dict[str, Any]) -> WebSocketResponse:
        request = environ["aiohttp.request"]
        self._sock = WebSocketResponse(max_msg_size=self.server.max_http_buffer_size,
                                       compress=False, timeout=CLOSE_HANDSHAKE_SECONDS)
        await self._sock.prepare(request)
        self.environ = environ
        socket = self.handler.__self__  # the Engine.IO socket this websocket serves
        if not socket.connected and isinstance(socket.queue, Outbox):
            socket.queue.attach(request.transport)
            socket.queue.on_close_sent = self._close_soon
            self._open_fast_lane(request, socket)
            await self._serve(socket)
        else:
            await self.handler(self)
        return self._sock

    def _open_fast_lane(self, request: Any, socket: engineio.async_socket.AsyncSocket) -> None:
        """Put a ``FrameSplitter`` in front of aiohttp's parser for this connection. It relies
        on two private aiohttp attributes; without them the connection keeps aiohttp's own
        path, unchanged."""
        protocol = request.protocol
        parser = getattr(protocol, "_payload_parser", None)
        queue = getattr(self._sock, "_reader", None)
        if parser is None or not hasattr(queue, "_buffer"):
            log.warning("aiohttp internals changed: inputs take the slow path")
            return
        dispatch_now, sid = self.server.dispatch_now, socket.sid
        protocol._payload_parser = FrameSplitter(
            parser,
            idle=lambda: self._reading and not queue._buffer,
            dispatch=lambda payload: dispatch_now(sid, payload),
        )

    def _close_soon(self) -> None:
        """The server closed the Engine.IO socket: close the websocket too, without waiting
        for the client to do it (``_serve``'s pending read ends at once)."""
        self._closing = asyncio.ensure_future(self._sock.close())

    async def _serve(self, socket: engineio.async_socket.AsyncSocket) -> None:
        """Read until the client or the server closes. A silent client is closed by
        Engine.IO's heartbeat check, which ends the read through ``_close_soon``."""
        server = self.server
        socket.connected = socket.upgraded = True
        dispatch_now = server.dispatch_now
        reason = server.reason.TRANSPORT_CLOSE
        try:
            while not socket.closed:
                self._reading = True
                message = await self._sock.receive()
                self._reading = False
                if message.type is WSMsgType.BINARY and dispatch_now(socket.sid, message.data):
                    continue
                if message.type not in (WSMsgType.BINARY, WSMsgType.TEXT):
                    break
                try:
                    await socket.receive(eio_packet.Packet(encoded_packet=message.data))
                except (ValueError, TypeError, IndexError, KeyError,
                        engineio.exceptions.UnknownPacketError):
                    log.info("%s: closing after a malformed Engine.IO packet", socket.sid)
                    reason = server.reason.TRANSPORT_ERROR
                    break
                except engineio.exceptions.SocketIsClosedError:
                    break
        finally:
            await socket.close(wait=False, abort=True, reason=reason)
            await self._sock.close()


class EngineServer(engineio.AsyncServer):
    """Engine.IO server with ``PlainWebSocket`` and bounded ``Outbox`` send queues.

    ``dispatch_now(eio_sid, data)`` may handle a websocket message before Engine.IO and
    Socket.IO look at it; it returns False for anything it leaves to them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._async = {**self._async, "websocket": PlainWebSocket}
        self.outbox_limits = OutboxLimits()
        self.traffic = TrafficStats()
        self.dispatch_now: Callable[[str, bytes], bool] = lambda eio_sid, data: False

    def create_queue(self, *args: Any, **kwargs: Any) -> Outbox:
        """Each socket's send queue."""
        return Outbox(self.outbox_limits, self.traffic)


class TickwireServer(socketio.AsyncServer):
    """python-socketio's ``AsyncServer`` with Tickwire's packet class and message bounds.

    Handlers registered with ``on_now`` are synchronous and only enqueue; websocket
    connections call them straight from their read loop, skipping five layers of dispatch
    (the same handler is registered normally too, for long-polling and anything unusual).

    :param max_event_bytes: largest accepted message; bigger ones are refused with an error.
    :param traffic: counters of messages in and out.
    :param outbox_limits: bounds of each connection's outgoing data.
    :param droppable_events: events a slow reader may miss (it resyncs).
    :param kwargs: passed to ``socketio.AsyncServer``.
    """

    def __init__(self, max_event_bytes: int, traffic: TrafficStats,
                 outbox_limits: OutboxLimits, droppable_events: frozenset[str],
                 **kwargs: Any) -> None:
        super().__init__(serializer=TickwirePacket,
                         client_manager=FanoutManager(traffic, droppable_events), **kwargs)
        self.max_event_bytes = max_event_bytes
        self.traffic = traffic
        self.eio.outbox_limits = outbox_limits
        self.eio.traffic = traffic
        self.eio.dispatch_now = self._dispatch_now
        self.on_rejected: Rejector = lambda sid, code, message: None
        self._immediate: dict[str, Callable[[str, Any], None]] = {}

    def on_now(self, event: str, handler: Callable[[str, Any], None]) -> None:
        """Register an enqueue-only ``handler(sid, payload)`` for ``event`` (see above)."""
        self.on(event, handler)
        self._immediate[event] = handler

    def _dispatch_now(self, eio_sid: str, data: bytes) -> bool:
        if not data or len(data) > self.max_event_bytes:
            return False
        try:
            packet = unpack(data)
        except MalformedPacket:
            return False
        if (type(packet) is not dict or packet.get("type") != sio_packet.EVENT
                or packet.get("nsp") != "/" or "id" in packet):
            return False
        event = packet.get("data")
        if type(event) is not list or len(event) != 2 or type(event[0]) is not str:
            return False
        handler = self._immediate.get(event[0])
        sid = self.manager.sid_from_eio_sid(eio_sid, "/") if handler else None
        if sid is None or not self.manager.is_connected(sid, "/"):
            return False
        self.traffic.messages_in += 1
        self.traffic.bytes_in += len(data)
        handler(sid, event[1])
        return True

    def _engineio_server_class(self) -> type[engineio.AsyncServer]:
        return EngineServer

    async def _handle_eio_message(self, eio_sid: str, data: bytes | str) -> None:
        self.traffic.messages_in += 1
        self.traffic.bytes_in += len(data)
        if not data:
            self._reject(eio_sid, "bad_request", "empty message")
            return
        if len(data) > self.max_event_bytes:
            self._reject(eio_sid, "payload_too_large",
                         f"Messages are limited to {self.max_event_bytes} bytes")
            return
        try:
            await super()._handle_eio_message(eio_sid, data)
        except MalformedPacket as error:
            self._reject(eio_sid, "bad_request", str(error))

    async def close_connection(self, sid: str) -> None:
        """Disconnect ``sid`` and close its Engine.IO connection too (``disconnect`` alone
        only leaves the namespace and trusts the client to hang up)."""
        eio_sid = self.manager.eio_sid_from_sid(sid, "/")
        await self.disconnect(sid)
        if eio_sid is not None:
            await self.eio.disconnect(eio_sid)

    async def _handle_eio_disconnect(self, eio_sid: str, reason: Any) -> None:
        await super()._handle_eio_disconnect(eio_sid, reason)
        socket = self.eio.sockets.get(eio_sid)
        if socket is not None:
            socket.queue.put_nowait(None)  # answer a long-poll still waiting, rather than later

    def _reject(self, eio_sid: str, code: str, message: str) -> None:
        self.traffic.rejected_in += 1
        sid = self.manager.sid_from_eio_sid(eio_sid, "/")
        if sid is None:
            log.info("dropped a %s message before the namespace connect", code)
            return
        self.on_rejected(sid, code, message)


class SocketDispatcher:
    """The ``Dispatcher`` rooms use, on top of a Socket.IO server."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self.sio = sio

    def broadcast(self, room_id: str, event: str, payload: Any) -> None:
        self.sio.manager.fanout(event, [payload], "/", room_id)

    def send(self, sid: str, event: str, payload: Any) -> None:
        self.sio.manager.fanout(event, [payload], "/", sid)

    async def enter(self, sid: str, room_id: str) -> None:
        await self.sio.enter_room(sid, room_id)

    async def exit(self, sid: str, room_id: str) -> None:
        await self.sio.leave_room(sid, room_id)

