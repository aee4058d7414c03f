"""The Engine.IO layer: python-engineio's server with Tickwire's websocket driver.

- WebSockets only. Long-polling is not offered: every browser Tickwire targets has websockets,
  and a polling session needs a send queue, an upgrade path and a writer task of its own, each
  one more thing to bound. One websocket is one session, so processes sharing a port
  (``SO_REUSEPORT``) never see half a session.
- WebSockets are opened without permessage-deflate: per-recipient compression costs more CPU
  than it saves on already compact deltas, and python-engineio offers no switch for it.
- Each websocket is served by one task (``PlainWebSocket._serve``): its ``Outbox`` writes
  straight to the socket, small binary frames are handled as they arrive (``FrameSplitter``),
  and every other frame is counted against its ``Connection`` before anything decodes it.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any

import engineio
import engineio.async_socket
from aiohttp import WSCloseCode, WSMsgType, web
from aiohttp.web import WebSocketResponse
from engineio import packet as eio_packet
from engineio.async_drivers import aiohttp as aiohttp_driver

from server.logs import guarded
from server.metrics import TrafficStats
from server.net.connections import Connection, ConnectionRegistry
from server.net.fanout import Outbox, OutboxLimits
from server.net.fastlane import FrameSplitter
from shared import compat
from shared.protocol import ProtocolError

log = guarded(__name__)

CLOSE_HANDSHAKE_SECONDS = 1.0  # how long a closing websocket waits for the client's reply
TEXT_PACKETS_ALLOWED = frozenset({eio_packet.PONG, eio_packet.CLOSE})


class PlainWebSocket(aiohttp_driver.WebSocket):
    """python-engineio's aiohttp WebSocket without deflate, served by one task; see the module
    docstring."""

    _reading = False  # True while ``_serve`` waits for the next message

    async def __call__(self, environ: dict[str, Any]) -> web.StreamResponse:
        server: EngineServer = self.server
        socket = compat.engineio_socket_of(self)
        connection = server.connections.get(socket.sid)
        if socket.connected or connection is None or not isinstance(socket.queue, Outbox):
            return web.Response(status=400, text="one websocket per session")
        request = environ["aiohttp.request"]
        self._sock = WebSocketResponse(max_msg_size=server.max_http_buffer_size,
                                       compress=False, timeout=CLOSE_HANDSHAKE_SECONDS)
        await self._sock.prepare(request)
        self.environ = environ
        connection.outbox = socket.queue
        socket.queue.attach(request.transport)
        socket.queue.on_close_sent = self._close_soon
        if not compat.replace_websocket_parser(request, lambda parser: self._splitter(
                parser, connection, request.transport)):
            raise compat.LibraryChanged("aiohttp has no websocket parser to put the fast lane "
                                        "in front of")
        await self._serve(socket, connection)
        return self._sock

    def _splitter(self, parser: Any, connection: Connection,
                  transport: asyncio.Transport) -> FrameSplitter:
        sock, fast_frame = self._sock, self.server.fast_frame

        def violation() -> None:
            log.info("%s: closing after an unmasked client frame", connection.address)
            transport.write(websocket_close_frame(WSCloseCode.PROTOCOL_ERROR))
            transport.abort()

        return FrameSplitter(
            parser,
            idle=lambda: self._reading and compat.websocket_queue_empty(sock),
            dispatch=functools.partial(fast_frame, connection),
            violation=violation,
            ended=lambda: connection.cut_reason is not None,
        )

    def _close_soon(self) -> None:
        """The server sent the Engine.IO CLOSE: close the websocket too, without waiting for
        the client to do it (``_serve``'s pending read ends at once)."""
        self._closing = asyncio.ensure_future(self._sock.close())

    async def _serve(self, socket: engineio.async_socket.AsyncSocket,
                     connection: Connection) -> None:
        """Read until the client or the server closes. Every frame is counted against the
        connection before it is decoded; binary frames are Socket.IO messages, text frames
        may only be Engine.IO heartbeat answers and goodbyes."""
        server: EngineServer = self.server
        socket.connected = socket.upgraded = True
        reason = server.reason.TRANSPORT_CLOSE
        try:
            while not socket.closed:
                self._reading = True
                message = await self._sock.receive()
                self._reading = False
                if message.type is WSMsgType.BINARY:
                    await server.binary_message(connection, message.data)
                elif message.type is WSMsgType.TEXT:
                    if not await self._text_message(socket, connection, message.data):
                        reason = server.reason.TRANSPORT_ERROR
                        break
                else:
                    break
        finally:
            await socket.close(wait=False, abort=True, reason=reason)
            await self._sock.close()
            socket.queue.on_close_sent = _nothing  # the socket outlives this: let go of us
            _forget_traceback(self._sock.exception())

    async def _text_message(self, socket: engineio.async_socket.AsyncSocket,
                            connection: Connection, data: str) -> bool:
        """Handle an Engine.IO text packet; False when the connection must close."""
        server: EngineServer = self.server
        if not connection.admit(len(data)):
            server.refused(connection, ProtocolError("rate_limited", "Too many messages"))
            return True
        try:
            packet = eio_packet.Packet(encoded_packet=data)
        except (ValueError, TypeError, IndexError, KeyError):
            log.info("%s: closing after a malformed Engine.IO packet", connection.address)
            return False
        if packet.packet_type not in TEXT_PACKETS_ALLOWED:
            server.refused(connection, ProtocolError(
                "bad_request", "Socket.IO packets are binary msgpack frames"))
            return True
        if packet.packet_type == eio_packet.PONG:
            connection.answered = time.monotonic()
            if socket.last_ping:
                connection.rtt = time.time() - socket.last_ping  # python-engineio's wall clock
        try:
            await socket.receive(packet)
        except engineio.exceptions.SocketIsClosedError:
            return False
        return True


def _nothing() -> None:
    pass


def _forget_traceback(error: BaseException | None) -> None:
    """Drop the tracebacks of ``error`` and the exceptions it was raised while handling.

    aiohttp keeps the error that ended a websocket (often a write to a transport that a
    client reset); its traceback's frames hold the websocket and the request, a reference
    cycle that only the rarely-run full garbage collection would free, a connection's worth
    of memory at a time."""
    while error is not None:
        error.__traceback__ = None
        error = error.__context__ or error.__cause__


def websocket_close_frame(code: int) -> bytes:
    """A server-to-client websocket close frame with ``code`` and no reason."""
    return bytes((0x88, 2)) + code.to_bytes(2, "big")


class EngineServer(engineio.AsyncServer):
    """Engine.IO server with ``PlainWebSocket`` and bounded ``Outbox`` send queues.

    The Socket.IO layer above fills in what it does with messages: ``fast_frame(connection,
    payload) -> bool`` for small binary frames as they arrive (False leaves one to
    ``binary_message``), ``binary_message(connection, payload)`` for the rest, and
    ``refused(connection, error)`` for refused frames.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        compat.use_websocket_class(self, PlainWebSocket)
        # set by the Socket.IO layer right after it creates this server
        self.outbox_limits: OutboxLimits
        self.traffic: TrafficStats
        self.connections: ConnectionRegistry
        self.fast_frame: Callable[[Connection, bytes], bool] = lambda connection, data: False
        self.binary_message: Callable[[Connection, bytes], Awaitable[None]]
        self.refused: Callable[[Connection, ProtocolError], None]

    def create_queue(self, *args: Any, **kwargs: Any) -> Outbox:
        """Each socket's send queue."""
        return Outbox(self.outbox_limits, self.traffic)

