"""Connections: one per Engine.IO session (one websocket), and the limits each lives under.

Limits belong to the connection, not to its Socket.IO namespace session, so a client that
leaves the namespace and connects again on the same websocket keeps its buckets and its flood
record. The registry caps connections server-wide and per client address, counting those that
have not (yet) joined the namespace, and its watcher closes a connection that does not join it
within ``connect_timeout`` or that stops answering the Engine.IO heartbeat (a live client
answers every ping, so no answer for ``silence_timeout`` means it is gone or stalled, whatever
else it still sends).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from server.limits import TokenBucket
from server.metrics import TrafficStats
from shared.protocol import ProtocolError

if TYPE_CHECKING:
    from server.net.fanout import Outbox

ERRORS_PER_SECOND = 5  # error events one connection receives at most; the rest are counted
WATCH_SECONDS = 0.5  # how often the watcher looks at every connection
SERVER_FULL_RETRY = 10.0  # seconds a refused connection is told to wait
# Caps are checked twice. A connection that would exceed one is still accepted, up to these
# margins, so that its Socket.IO CONNECT can be refused with a clear code; past a margin the
# websocket handshake itself is refused (HTTP 401), which bounds connections that never join.
HANDSHAKE_MARGIN = 64
HANDSHAKE_MARGIN_PER_ADDRESS = 8


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """What one connection may do, and how many connections there may be.

    :param max_connections: connections this process accepts at most.
    :param max_per_address: connections one client address (IPv6: one /64) may hold.
    :param connect_timeout: seconds a connection has to join the namespace.
    :param silence_timeout: seconds without a heartbeat answer after which it is closed
        (ping interval + ping timeout).
    :param messages_per_second: frames of any kind, counted before they are decoded.
    :param inputs_per_second: input events.
    :param requests_per_second: other events.
    :param joins_per_minute: create/join/quick/resume attempts.
    :param flood_seconds: refusals going on this long without a 1 s pause cut the connection.
    :param flood_refusals: this many refusals in a row cut it sooner.
    """

    max_connections: int
    max_per_address: int
    connect_timeout: float
    silence_timeout: float
    messages_per_second: float
    inputs_per_second: float
    requests_per_second: float
    joins_per_minute: float
    flood_seconds: float
    flood_refusals: int


class Connection:
    """One Engine.IO connection: where it comes from, what it sent, what it may still send.

    ``sid`` is its Socket.IO id while it is connected to the namespace (see ``joined`` and
    ``left``); ``cut_reason`` says why the server closed it (``flood``, ``unresponsive``,
    ``connect_timeout``...), if it did. ``rtt`` is the round trip of the last Engine.IO
    heartbeat (seconds; None before the first) and ``inputs_limited`` the inputs dropped over
    the input rate, both for the monitor.
    """

    __slots__ = ("address", "answered", "bytes_in", "credit", "cut_reason", "eio_sid", "errors",
                 "flood_refusals", "flood_seconds", "flooding_since", "inputs", "inputs_limited",
                 "joins", "last_refusal", "messages", "messages_in", "outbox", "outside_since",
                 "refusals", "requests", "rtt", "sid", "traffic")

    def __init__(self, eio_sid: str, address: str, limits: ConnectionLimits,
                 traffic: TrafficStats, now: float) -> None:
        self.eio_sid = eio_sid
        self.address = address
        self.traffic = traffic
        self.outside_since = now  # when it last was outside the namespace
        self.sid: str | None = None
        self.outbox: Outbox | None = None
        self.cut_reason: str | None = None
        per_message = limits.messages_per_second
        self.messages = TokenBucket(per_message, per_message * 2)
        self.inputs = TokenBucket(limits.inputs_per_second, limits.inputs_per_second)
        self.requests = TokenBucket(limits.requests_per_second, limits.requests_per_second * 2)
        joins = limits.joins_per_minute / 60
        self.joins = TokenBucket(joins, max(1.0, joins * 15))
        self.errors = TokenBucket(ERRORS_PER_SECOND, ERRORS_PER_SECOND)
        self.flood_seconds = limits.flood_seconds
        self.flood_refusals = limits.flood_refusals
        self.messages_in = self.bytes_in = 0
        self.credit = 0  # frames the fast lane counted but left to the normal path
        self.refusals = 0
        self.inputs_limited = 0
        self.rtt: float | None = None
        self.flooding_since = self.last_refusal = 0.0
        self.answered = now  # when it last answered the heartbeat (or opened)

    def admit(self, size: int) -> bool:
        """Count one received frame of ``size`` bytes; False when over the frame rate."""
        self.messages_in += 1
        self.bytes_in += size
        traffic = self.traffic
        traffic.messages_in += 1
        traffic.bytes_in += size
        return self.messages.take()

    def joined(self, sid: str) -> None:
        """The connection joined the namespace as ``sid``."""
        self.sid = sid

    def left(self) -> None:
        """The connection left the namespace; it has ``connect_timeout`` to join again."""
        self.sid = None
        self.outside_since = time.monotonic()

    def refuse(self) -> bool:
        """Record one refused message; True once refusals have gone on too long or too many
        (the connection is flooding and must be cut)."""
        now = time.monotonic()
        if now - self.last_refusal > 1.0:
            self.flooding_since = now
            self.refusals = 0
        self.last_refusal = now
        self.refusals += 1
        return (now - self.flooding_since > self.flood_seconds
                or self.refusals > self.flood_refusals)


class ConnectionRegistry:
    """Every connection of this process, by Engine.IO session id.

    :param limits: caps and per-connection limits.
    :param traffic: server-wide message counters each connection adds to.
    :param expire: called with a connection and a reason when the watcher gives up on it.
    """

    def __init__(self, limits: ConnectionLimits, traffic: TrafficStats,
                 expire: Callable[[Connection, str], None]) -> None:
        self.limits = limits
        self.traffic = traffic
        self.expire = expire
        self.connections: dict[str, Connection] = {}
        self.per_address: Counter[str] = Counter()
        self._watcher: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self.connections)

    def get(self, eio_sid: str) -> Connection | None:
        """The connection of an Engine.IO session."""
        return self.connections.get(eio_sid)

    def open(self, eio_sid: str, address: str) -> Connection:
        """Register a new connection, or refuse its handshake (see ``HANDSHAKE_MARGIN``)."""
        self._check_caps(len(self.connections) + 1 - HANDSHAKE_MARGIN,
                         self.per_address[address] + 1 - HANDSHAKE_MARGIN_PER_ADDRESS)
        now = time.monotonic()
        connection = Connection(eio_sid, address, self.limits, self.traffic, now)
        self.connections[eio_sid] = connection
        self.per_address[address] += 1
        if self._watcher is None:
            self._watcher = asyncio.create_task(self._watch(), name="connection-watcher")
        return connection

    def check_caps(self, connection: Connection) -> None:
        """Refuse a connection that joins the namespace while over a cap (``server_full``,
        ``too_many_connections``), counting connections that have not joined (yet)."""
        self._check_caps(len(self.connections), self.per_address[connection.address])

    def _check_caps(self, connections: int, at_address: int) -> None:
        if connections > self.limits.max_connections:
            raise ProtocolError("server_full", retry_after=SERVER_FULL_RETRY)
        if at_address > self.limits.max_per_address:
            raise ProtocolError("too_many_connections", retry_after=SERVER_FULL_RETRY)

    def close(self, eio_sid: str) -> Connection | None:
        """Forget a connection that ended."""
        connection = self.connections.pop(eio_sid, None)
        if connection is not None:
            self.per_address[connection.address] -= 1
            if self.per_address[connection.address] <= 0:
                del self.per_address[connection.address]
        return connection

    async def stop(self) -> None:
        """Stop watching (server shutdown)."""
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None

    def sweep(self, now: float) -> list[tuple[Connection, str]]:
        """Connections to give up on at time ``now``: never joined, or unresponsive."""
        limits = self.limits
        lapsed = []
        for connection in self.connections.values():
            if connection.cut_reason is not None:
                continue
            if connection.sid is None and now - connection.outside_since > limits.connect_timeout:
                lapsed.append((connection, "connect_timeout"))
            elif now - connection.answered > limits.silence_timeout:
                lapsed.append((connection, "unresponsive"))
        return lapsed

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            for connection, reason in self.sweep(time.monotonic()):
                self.expire(connection, reason)
