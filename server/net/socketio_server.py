"""The Socket.IO layer: python-socketio's ``AsyncServer`` with Tickwire's inbound gate.

Every message a client sends is counted against its ``Connection`` before it is decoded, then
goes through the one classifier (``server.net.inbound``), whether it arrives through the fast
lane or the normal read loop. Anything refused (malformed, oversized, not what a client may
send, over a rate) is counted in ``/metrics`` by its code, answered with an ``error`` event (a
few a second at most), and counted toward the connection's flood record: a connection that
keeps being refused is cut. Handlers registered with ``on_now`` are synchronous and only
enqueue; they run straight from the read loop, skipping python-socketio's dispatch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import engineio
import socketio

from server.logs import guarded
from server.metrics import EngineStats
from server.net.addresses import AddressResolver
from server.net.connections import Connection, ConnectionLimits, ConnectionRegistry
from server.net.engine import EngineServer
from server.net.fanout import FanoutManager, OutboxLimits
from server.net.inbound import NAMESPACE, Inbound, classify
from shared import compat
from shared.protocol import EVENTS, ProtocolError
from shared.wire import TickwirePacket

log = guarded(__name__)

TOO_MANY_MESSAGES = "Too many messages; slow down"
# refusals of what no well-behaved client sends, or sends too fast: they count toward the flood
# cut. Others (room_full, input_overflow while the server is behind, not_in_room for inputs
# still in flight after leaving...) are honest answers to honest clients: counted, not held
# against the connection.
ABUSE = frozenset({"bad_request", "bad_input", "payload_too_large", "rate_limited",
                   "unknown_event"})
ImmediateHandler = Callable[[str, Any], None]


class TickwireServer(socketio.AsyncServer):
    """python-socketio's server with Tickwire's connections, inbound gate and fan-out.

    :param max_event_bytes: largest accepted message; bigger ones are refused with an error.
    :param stats: the process's counters (traffic, refusals by code, cuts by reason).
    :param outbox_limits: bounds of each connection's outgoing data.
    :param connection_limits: connection caps and per-connection rates.
    :param addresses: turns a request into the client address per-address limits use.
    :param droppable_events: events a slow reader may miss (it resyncs).
    :param client_manager: a ``FanoutManager`` (default) or a composition of it with a
        python-socketio pub/sub manager (``server.cluster.bus``).
    :param kwargs: passed to ``socketio.AsyncServer``.
    """

    def __init__(self, max_event_bytes: int, stats: EngineStats, outbox_limits: OutboxLimits,
                 connection_limits: ConnectionLimits, addresses: AddressResolver,
                 droppable_events: frozenset[str], client_manager: FanoutManager | None = None,
                 **kwargs: Any) -> None:
        traffic = stats.traffic
        # what the client manager takes from its server when adopted
        self.traffic = traffic
        self.droppable_events = droppable_events
        self.connections = ConnectionRegistry(connection_limits, traffic, self._expire)
        super().__init__(serializer=TickwirePacket, transports=["websocket"],
                         client_manager=client_manager or FanoutManager(), **kwargs)
        self.max_event_bytes = max_event_bytes
        self.refusals = stats.refusals
        self.cuts = stats.cuts
        self.addresses = addresses
        engine: EngineServer = self.eio
        engine.outbox_limits = outbox_limits
        engine.traffic = traffic
        engine.connections = self.connections
        engine.fast_frame = self.fast_frame
        engine.binary_message = self.binary_message
        engine.refused = self.refused
        self._immediate: dict[str, ImmediateHandler] = {}

    def _engineio_server_class(self) -> type[engineio.AsyncServer]:
        return EngineServer

    def on_now(self, event: str, handler: ImmediateHandler) -> None:
        """Register an enqueue-only ``handler(sid, payload)`` for ``event`` (see above); it is
        registered the usual way too, for the same event sent in an unusual shape."""
        self.on(event, handler)
        self._immediate[event] = handler

    # -- connections ---------------------------------------------------------------------------

    async def _handle_eio_connect(self, eio_sid: str, environ: dict[str, Any]) -> Any:
        request = environ.get("aiohttp.request")
        address = self.addresses.client_key(
            request.remote if request is not None else None,
            request.headers.get("X-Forwarded-For") if request is not None else None)
        try:
            self.connections.open(eio_sid, address)
        except ProtocolError as refusal:
            self.refusals[refusal.code] += 1
            log.info("refused a connection from %s: %s", address, refusal.code)
            return refusal.to_wire()
        return await super()._handle_eio_connect(eio_sid, environ)

    async def _handle_eio_disconnect(self, eio_sid: str, reason: Any) -> None:
        await super()._handle_eio_disconnect(eio_sid, reason)
        connection = self.connections.close(eio_sid)
        if connection is None or connection.outbox is None:
            return
        if reason == self.reason.PING_TIMEOUT:  # the client stopped answering: no goodbye
            self.cuts["ping_timeout"] += 1
            connection.outbox.abort()
        else:
            connection.outbox.abort_soon()

    def connection_of(self, sid: str) -> Connection | None:
        """The connection behind a Socket.IO session id."""
        eio_sid = self.manager.eio_sid_from_sid(sid, NAMESPACE)
        return self.connections.get(eio_sid) if eio_sid is not None else None

    def cut(self, connection: Connection, reason: str) -> None:
        """Close a connection for ``reason`` (``flood``, ``unresponsive``,
        ``connect_timeout``...). Flooders are told why first; unresponsive ones lose their
        transport at once."""
        if connection.cut_reason is not None:
            return
        connection.cut_reason = reason
        self.cuts[reason] += 1
        log.info("closing the connection of %s: %s", connection.address, reason)
        if reason == "flood" and connection.sid is not None:
            self._send_error(connection.sid, ProtocolError(
                "rate_limited", "Disconnected for flooding"), "")
        if reason in ("unresponsive", "connect_timeout") and connection.outbox is not None:
            connection.outbox.abort()
        self.start_background_task(self._close_session, connection.eio_sid)

    async def close_connection(self, sid: str) -> None:
        """Disconnect ``sid`` and close its Engine.IO connection too (``disconnect`` alone
        only leaves the namespace and trusts the client to hang up)."""
        eio_sid = self.manager.eio_sid_from_sid(sid, NAMESPACE)
        await self.disconnect(sid)
        if eio_sid is not None:
            await self._close_session(eio_sid)

    async def _close_session(self, eio_sid: str) -> None:
        socket = self.eio.sockets.get(eio_sid)
        if socket is not None and not socket.closed:
            await socket.close(wait=False, reason=self.eio.reason.SERVER_DISCONNECT)

    def _expire(self, connection: Connection, reason: str) -> None:
        self.cut(connection, reason)

    # -- inbound -------------------------------------------------------------------------------

    def fast_frame(self, connection: Connection, payload: bytes) -> bool:
        """A small binary frame as it arrives; True when handled (or refused) here, False to
        leave it to ``binary_message`` (which then does not count it again)."""
        if connection.sid is None:
            return False
        if not connection.admit(len(payload)):
            self.refused(connection, ProtocolError("rate_limited", TOO_MANY_MESSAGES))
            return True
        try:
            inbound = classify(payload, self.max_event_bytes, True)
        except ProtocolError as error:
            self.refused(connection, error)
            return True
        if not self._handle_now(connection.sid, inbound):
            connection.credit += 1
            return False
        self.traffic.fast_lane_messages += 1
        return True

    async def binary_message(self, connection: Connection, payload: bytes) -> None:
        """A binary frame from the read loop: count, classify, dispatch."""
        if connection.credit:
            connection.credit -= 1
        elif not connection.admit(len(payload)):
            self.refused(connection, ProtocolError("rate_limited", TOO_MANY_MESSAGES))
            return
        try:
            inbound = classify(payload, self.max_event_bytes, connection.sid is not None)
        except ProtocolError as error:
            self.refused(connection, error)
            return
        if connection.sid is not None and self._handle_now(connection.sid, inbound):
            return
        await compat.dispatch_packet(self, connection.eio_sid, inbound.packet_type, NAMESPACE,
                                     inbound.data, inbound.ack_id)

    def _handle_now(self, sid: str, inbound: Inbound) -> bool:
        """Run the ``on_now`` handler of an input-shaped event; False when there is none."""
        call = inbound.immediate_argument()
        handler = self._immediate.get(call[0]) if call is not None else None
        if call is None or handler is None:
            return False
        handler(sid, call[1])
        return True

    async def _handle_eio_message(self, eio_sid: str, data: bytes | str) -> None:
        # binary frames never come this way (see ``binary_message``); anything that does
        # is not a message Tickwire accepts
        connection = self.connections.get(eio_sid)
        if connection is not None:
            self.refused(connection, ProtocolError(
                "bad_request", "Socket.IO packets are binary msgpack frames"))

    def refused(self, connection: Connection, error: ProtocolError, event: str = "") -> None:
        """A message was refused: ``strike`` it and tell the client with an ``error`` event
        (a few a second at most)."""
        if not self.strike(connection, error):
            self.report(connection, error, event)

    def strike(self, connection: Connection, error: ProtocolError) -> bool:
        """Count a refusal by its code; one of ``ABUSE`` also counts against its connection,
        and a connection that keeps being refused so is cut. True when this cut it."""
        self.refusals[error.code] += 1
        self.traffic.rejected_in += 1
        if error.code in ABUSE and connection.refuse():
            self.cut(connection, "flood")
            return True
        return False

    def report(self, connection: Connection, error: ProtocolError, event: str) -> None:
        """Send ``error`` to the connection as an ``error`` event, unless it already had its
        share this second (then it is only counted)."""
        if connection.sid is None:
            return
        if not connection.errors.take():
            self.traffic.errors_suppressed += 1
            return
        self._send_error(connection.sid, error, event)

    def _send_error(self, sid: str, error: ProtocolError, event: str) -> None:
        self.manager.fanout(EVENTS.error, [error.to_wire() | {"event": event}], NAMESPACE, sid)
