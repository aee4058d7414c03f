"""Seat reservations: how a node hands a client a seat in a room that lives on another node.

A reservation is a signed token, issued by whichever node answered the client and redeemed by
the node that owns the room. It is

- **bound** to the room id, the owner node, the kind of seat and the player's name;
- **short-lived**: it expires ``ttl`` seconds (15) after issue, together with the seat hold
  (``RedisDirectory.quick_seat`` / ``reserve``) that keeps the seat free until then;
- **unforgeable**: HMAC-SHA256 under the cluster secret (``--cluster-secret``, or the random
  secret the nodes share through Redis), truncated to 128 bits, compared in constant time;
- **single-use**: the owner records each redeemed hold id until the token expires. Only the
  owner node accepts a token, so this record is local and redeeming needs no Redis at all
  (a reservation still works while Redis is briefly away).

Token format (ASCII, at most ``MAX_TOKEN_LENGTH`` characters)::

    v1.<payload>.<signature>
    payload   = base64url(JSON [room_id, node_id, seat, name, hold_id, expires_ms])
    signature = base64url(HMAC-SHA256(secret, "tickwire reservation v1." + payload)[:16])

``seat`` is ``"player"`` or ``"spectator"``; ``expires_ms`` is Unix time in milliseconds
(nodes' clocks are assumed NTP-synchronised to well under the 15 s lifetime); base64url is
unpadded. Clients treat the token as opaque.

Proposed wire shape. A node that is asked to ``create``, ``join`` or ``quick`` into a room that
lives elsewhere answers::

    {"ok": false, "code": "moved", "message": "...",
     "redirect": {"url": "http://node-2.example:8002", "reservation": "v1.…", "room": "<id>"}}

(``ok: false`` so that a client that does not know redirects fails visibly instead of
believing it joined.) The client connects to ``redirect.url`` like to any Tickwire server and
sends ``join {"reservation": "v1.…"}``; the answer is the ordinary join answer. A ``resume``
that lands on the wrong node gets the same ``moved`` answer with only ``redirect.url`` and
resumes there with its own token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import heapq
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from shared.protocol import ProtocolError

TTL_SECONDS = 15.0
MAX_TOKEN_LENGTH = 512
VERSION_TAG = "v1"
SIGNATURE_BYTES = 16
SEATS = ("player", "spectator")


@dataclass(frozen=True, slots=True)
class Reservation:
    """What a valid token grants: a seat of kind ``seat`` in ``room_id`` on ``node``."""

    room_id: str
    node: str
    seat: str
    name: str
    hold: str
    expires_ms: int


class Reservations:
    """Issues reservation tokens for any node and redeems the ones for this node.

    :param node_id: this node; only tokens naming it are redeemed here.
    :param secret: gives the cluster secret (e.g. ``lambda: registry.secret``).
    :param ttl: seconds a token stays valid; default 15.
    :param clock: Unix time in seconds; default ``time.time``.
    """

    def __init__(self, node_id: str, secret: Callable[[], str], ttl: float = TTL_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.node_id = node_id
        self.secret = secret
        self.ttl = ttl
        self.clock = clock
        self._redeemed: set[str] = set()
        self._expiries: list[tuple[int, str]] = []  # heap of (expires_ms, hold) redeemed

    def issue(self, room_id: str, node: str, seat: str, name: str, hold: str) -> str:
        """A token for a ``seat`` (``"player"`` or ``"spectator"``) in ``room_id`` on
        ``node``, for the player called ``name``; ``hold`` is the seat hold backing it."""
        if seat not in SEATS:
            raise ValueError(f"seat must be one of {SEATS}")
        expires_ms = int((self.clock() + self.ttl) * 1000)
        payload = _b64(json.dumps([room_id, node, seat, name, hold, expires_ms],
                                  separators=(",", ":")).encode())
        return f"{VERSION_TAG}.{payload}.{self._sign(payload)}"

    def redeem(self, token: object) -> Reservation:
        """The reservation of a token meant for this node, marked used.

        Raises ``ProtocolError("bad_reservation")`` for anything malformed, forged, expired,
        meant for another node or already used.
        """
        now_ms = int(self.clock() * 1000)
        self._forget_expired(now_ms)
        reservation = self._verify(token)
        if reservation.expires_ms <= now_ms or reservation.node != self.node_id:
            raise ProtocolError("bad_reservation")
        if reservation.hold in self._redeemed:
            raise ProtocolError("bad_reservation")
        self._redeemed.add(reservation.hold)
        heapq.heappush(self._expiries, (reservation.expires_ms, reservation.hold))
        return reservation

    def _verify(self, token: object) -> Reservation:
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
            raise ProtocolError("bad_reservation")
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != VERSION_TAG:
            raise ProtocolError("bad_reservation")
        _, payload, signature = parts
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            raise ProtocolError("bad_reservation")
        try:
            room_id, node, seat, name, hold, expires_ms = json.loads(_unb64(payload))
        except (ValueError, TypeError, binascii.Error) as error:
            raise ProtocolError("bad_reservation") from error
        return Reservation(room_id, node, seat, name, hold, expires_ms)

    def _sign(self, payload: str) -> str:
        mac = hmac.new(self.secret().encode(), f"tickwire reservation {VERSION_TAG}.".encode()
                       + payload.encode(), hashlib.sha256)
        return _b64(mac.digest()[:SIGNATURE_BYTES])

    def _forget_expired(self, now_ms: int) -> None:
        while self._expiries and self._expiries[0][0] <= now_ms:
            _, hold = heapq.heappop(self._expiries)
            self._redeemed.discard(hold)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
