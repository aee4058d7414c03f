"""The outbound hot path: one encode per broadcast, one transport write per recipient.

python-socketio encodes a room emit once, but then starts a task per recipient, each of which
queues the packet for a per-socket writer task that builds a websocket frame and writes it.
At a few hundred clients and 20 ticks a second that per-message machinery, not the encoding,
is where the CPU goes. Here:

- ``FanoutManager`` (a python-socketio client manager) encodes a broadcast once and hands the
  same ``FramedPacket`` to every recipient's outbox, without tasks.
- ``Outbox`` replaces each Engine.IO socket's send queue. Once its websocket is up it writes
  every packet synchronously as a finished frame (built once per broadcast) to the socket's
  transport, so all packets keep their order and no writer task is needed. Before that (the
  Engine.IO handshake) it holds a few packets.
- Every outbox is bounded in bytes, whatever the packet type. When a client does not read, its
  transport buffer fills; past ``backlog_bytes`` droppable packets (state deltas) are skipped,
  and the client resyncs with a keyframe when it reads again (it sees a tick gap); past four
  times that, or when it stays behind for ``stuck_seconds``, the connection is cut.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgpack
import socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet

from server.metrics import TrafficStats
from server.net.connections import ConnectionRegistry
from shared.compat import namespace_members

log = logging.getLogger(__name__)

_TEXT, _BINARY = 0x81, 0x82  # FIN + opcode


def websocket_frame(payload: bytes | str) -> bytes:
    """An unmasked server-to-client websocket frame (RFC 6455) carrying ``payload``."""
    if isinstance(payload, str):
        data, first = payload.encode(), _TEXT
    else:
        data, first = payload, _BINARY
    length = len(data)
    if length < 126:
        header = bytes((first, length))
    elif length < 65536:
        header = struct.pack("!BBH", first, 126, length)
    else:
        header = struct.pack("!BBQ", first, 127, length)
    return header + data


@functools.cache
def event_prefix(namespace: str, event: str) -> bytes:
    """The msgpack Socket.IO EVENT packet of ``event`` in ``namespace`` up to its one
    argument, which follows as msgpack bytes (the packet map ends with its ``data``)."""
    encoded = msgpack.packb({"type": sio_packet.EVENT, "nsp": namespace, "data": [event, None]})
    assert encoded.endswith(b"\xc0")
    return encoded[:-1]


class FramedPacket(eio_packet.Packet):
    """An Engine.IO packet that remembers its websocket frame, so a broadcast frames once.

    :param droppable: a slow client may miss it (state deltas; the client resyncs).
    """

    def __init__(self, packet_type: int, data: Any, droppable: bool = False) -> None:
        super().__init__(packet_type, data)
        self.droppable = droppable
        self._frame: bytes | None = None

    @property
    def frame(self) -> bytes:
        """The finished websocket frame."""
        if self._frame is None:
            # binary data goes as it is; otherwise a fresh packet encodes (``encode`` caches
            # its first result, and long-polling recipients of this same packet need the base64
            # form)
            self._frame = websocket_frame(self.data if self.binary else eio_packet.Packet(
                self.packet_type, self.data).encode())
        return self._frame


@dataclass(frozen=True, slots=True)
class OutboxLimits:
    """Bounds of one connection's outgoing data.

    :param backlog_bytes: unsent bytes past which droppable packets are skipped.
    :param stuck_seconds: how long a connection may stay past that before it is cut.
    """

    backlog_bytes: int
    stuck_seconds: float


HANDSHAKE_PACKETS = 8  # packets an outbox holds before its websocket is attached
CLOSE_GRACE_SECONDS = 1.0  # how long a closing websocket may take before it is aborted


class Outbox(asyncio.Queue):
    """An Engine.IO socket's send queue that writes straight to its websocket when it can."""

    def __init__(self, limits: OutboxLimits, traffic: TrafficStats) -> None:
        super().__init__()
        self.limits = limits
        self.traffic = traffic
        self.transport: asyncio.Transport | None = None
        self.on_close_sent: Callable[[], None] = lambda: None
        self._behind_since = 0.0

    def attach(self, transport: asyncio.Transport) -> None:
        """From now on write directly to ``transport``, starting with what is queued."""
        self.transport = transport
        while not self.empty():
            packet = self.get_nowait()
            self.task_done()
            if packet is not None:
                self._write(packet)

    def abort_soon(self, grace: float = CLOSE_GRACE_SECONDS) -> None:
        """The session is over: the transport goes within ``grace`` seconds, closed cleanly by
        then or aborted (a client that stopped answering never completes a close)."""
        if self.transport is not None:
            asyncio.get_running_loop().call_later(grace, reset, self.transport)

    def stop_reading(self) -> None:
        """Read no more from the transport (what the client still sends stays unread)."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()

    def abort(self) -> None:
        """Drop the transport now, unsent data and all (``reset``)."""
        if self.transport is not None:
            reset(self.transport)

    def put_nowait(self, packet: eio_packet.Packet | None) -> None:
        """Send ``packet``. None ends a writer task; direct sockets have none."""
        if self.transport is None:
            self._enqueue(packet)
        elif packet is not None:
            self._write(packet)

    async def put(self, packet: eio_packet.Packet | None) -> None:
        """Same as ``put_nowait``; never waits."""
        self.put_nowait(packet)

    def _enqueue(self, packet: eio_packet.Packet | None) -> None:
        if self.qsize() >= HANDSHAKE_PACKETS:
            self.traffic.dropped_out += 1
            return
        super().put_nowait(packet)

    def _write(self, packet: eio_packet.Packet) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        backlog = transport.get_write_buffer_size()
        if backlog > self.limits.backlog_bytes and not self._keep_up(transport, backlog, packet):
            return
        self._behind_since = 0.0
        frame = packet.frame if isinstance(packet, FramedPacket) else websocket_frame(
            packet.encode())
        transport.write(frame)
        if packet.packet_type == eio_packet.CLOSE:
            self.on_close_sent()

    def _keep_up(self, transport: asyncio.Transport, backlog: int,
                 packet: eio_packet.Packet) -> bool:
        """The client is behind: decide whether ``packet`` still goes out."""
        now = time.monotonic()
        if not self._behind_since:
            self._behind_since = now
        if (backlog > 4 * self.limits.backlog_bytes
                or now - self._behind_since > self.limits.stuck_seconds):
            self.traffic.slow_disconnects += 1
            log.info("cutting a connection that stopped reading (%d bytes unsent)", backlog)
            reset(transport)
            return False
        if getattr(packet, "droppable", False):
            self.traffic.dropped_out += 1
            return False
        return True


def reset(transport: asyncio.Transport) -> None:
    """Close ``transport`` with a TCP reset: the kernel drops what is still unsent too, so a
    peer that stopped reading loses the connection at once. (A plain close, ``abort`` included,
    leaves the kernel sending the queued bytes, and the FIN behind them, into a window that
    never opens, for minutes.)"""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # OSError, or ValueError from uvloop once the socket is closed (its fd is then -1)
        with contextlib.suppress(OSError, ValueError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class FanoutManager(socketio.AsyncManager):
    """A client manager whose broadcasts cost one encode and one write per recipient.

    It also tells each ``Connection`` (see ``server.net.connections``) when it joins or leaves
    the namespace. It takes what it needs from its server (``TickwireServer``) when the server
    adopts it: ``traffic`` (counters of messages and bytes sent), ``droppable_events`` (events
    a slow client may miss; it resyncs) and ``connections`` (the registry of connections).
    Having no constructor parameters of its own, it composes with python-socketio's pub/sub
    managers (see ``server.cluster.bus``).
    """

    traffic: TrafficStats
    droppable_events: frozenset[str]
    connections: ConnectionRegistry

    def set_server(self, server: Any) -> None:
        """Adopted by ``server`` (python-socketio's manager verb)."""
        super().set_server(server)
        self.traffic = server.traffic
        self.droppable_events = frozenset(server.droppable_events)
        self.connections = server.connections

    async def connect(self, eio_sid: str, namespace: str) -> str:
        """Register a connected client (python-socketio's manager verb)."""
        sid = await super().connect(eio_sid, namespace)
        connection = self.connections.get(self.eio_sid_from_sid(sid, namespace) or "")
        if connection is not None:
            connection.joined(sid)
        return sid

    async def disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        """Forget a disconnected client (python-socketio's manager verb)."""
        connection = self.connections.get(self.eio_sid_from_sid(sid, namespace) or "")
        await super().disconnect(sid, namespace, **kwargs)
        if connection is not None and connection.sid == sid:
            connection.left()

    async def emit(self, event: str, data: Any, namespace: str, room: Any = None,
                   skip_sid: Any = None, callback: Any = None, to: Any = None,
                   **kwargs: Any) -> None:
        """Emit to a room or one client; with a callback, python-socketio's own path."""
        room = to or room
        if callback is not None:
            await super().emit(event, data, namespace, room=room, skip_sid=skip_sid,
                               callback=callback, **kwargs)
            return
        arguments = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        self.fanout(event, arguments, namespace, room, skip_sid)

    def fanout(self, event: str, arguments: list[Any], namespace: str, room: Any,
               skip_sid: Any = None) -> int:
        """Send an event to a room (or one client, or everyone when ``room`` is None) now:
        one encode, one frame, one write per recipient. Returns the payload bytes sent (size
        times recipients)."""
        encoded = self.server.packet_class(
            sio_packet.EVENT, namespace=namespace, data=[event, *arguments]).encode()
        return self._deliver(event, encoded, namespace, room, skip_sid)

    def fanout_encoded(self, event: str, payload: bytes, namespace: str, sid: str) -> int:
        """Send an event whose one argument is already msgpack (``payload``) to one client
        now: the packet is spliced around it, not encoded. Returns the payload bytes sent."""
        return self._deliver(event, event_prefix(namespace, event) + payload, namespace, sid)

    def _deliver(self, event: str, encoded: bytes, namespace: str, room: Any,
                 skip_sid: Any = None) -> int:
        packet = FramedPacket(eio_packet.MESSAGE, encoded, event in self.droppable_events)
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        sockets = self.server.eio.sockets
        sent = 0
        # one room (or one client): walk its members as they are; no copy is needed since
        # nothing joins or leaves while we send
        members = namespace_members(self, namespace, room).items() if isinstance(
            room, str | None) else self.get_participants(namespace, room)
        for sid, eio_sid in members:
            socket = sockets.get(eio_sid)
            if socket is not None and not socket.closed and sid not in skip:
                socket.queue.put_nowait(packet)
                sent += 1
        self.traffic.messages_out += sent
        self.traffic.bytes_out += sent * len(encoded)
        return sent * len(encoded)
