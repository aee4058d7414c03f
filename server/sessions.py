"""Connections as the gateway sees them, and the limits each one lives under."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from server.config import ServerConfig
from server.limits import AddressBuckets, TokenBucket
from shared.protocol import ProtocolError

ERRORS_PER_SECOND = 5  # error events one connection receives at most; the rest are counted


@dataclass(slots=True)
class Session:
    """One connection: who it is and its rate-limit buckets (its room: ``Lobby.room_of``)."""

    sid: str
    name: str
    address: str
    inputs: TokenBucket
    requests: TokenBucket
    joins: TokenBucket
    errors: TokenBucket = field(
        default_factory=lambda: TokenBucket(ERRORS_PER_SECOND, ERRORS_PER_SECOND))
    flooding_since: float = 0.0
    last_refusal: float = 0.0
    refusals: int = 0


class Limiter:
    """Makes sessions with their buckets, keeps the per-address join limit, and spots floods.

    A connection whose messages keep being refused (no pause of a second or more in between)
    for ``flood_seconds``, or ``flood_refusals`` times, is flooding and gets disconnected: the
    first catches a client a little over its limits, the second a firehose before it costs
    everyone else their ticks.
    """

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        per_address = config.joins_per_minute_per_address / 60
        self.address_joins = AddressBuckets(per_address, max(1.0, per_address * 15))

    def open(self, sid: str, name: str, address: str) -> Session:
        """A session for a new connection."""
        config = self.config
        inputs = config.max_inputs_per_second
        requests = config.max_requests_per_second
        joins = config.joins_per_minute / 60
        return Session(
            sid, name, address,
            inputs=TokenBucket(inputs, inputs),
            requests=TokenBucket(requests, requests * 2),
            joins=TokenBucket(joins, max(1.0, joins * 15)),
        )

    def flooding(self, session: Session) -> bool:
        """Record one refused message; True once refusals have gone on too long or too many."""
        now = time.monotonic()
        if now - session.last_refusal > 1.0:
            session.flooding_since = now
            session.refusals = 0
        session.last_refusal = now
        session.refusals += 1
        return (now - session.flooding_since > self.config.flood_seconds
                or session.refusals > self.config.flood_refusals)

    def check_join(self, session: Session) -> None:
        """Refuse a create/join attempt over the connection's or the address's allowance."""
        if not session.joins.take():
            raise ProtocolError("rate_limited", "Too many room requests; wait a moment")
        if not self.address_joins.take(session.address):
            raise ProtocolError("rate_limited", "Too many room requests from your address")
