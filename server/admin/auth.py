"""Who may use the admin API: the token check, its rate limits, and short-lived tickets.

- **Token.** ``Authorization: Bearer <--admin-token>``, compared in constant time
  (``secrets.compare_digest``). A missing or wrong token answers 401 and is counted in
  ``/metrics`` (``tickwire_admin_refusals_total{reason="unauthorized"}``).
- **Rate limits, per client address** (the address ``--trusted-proxies`` resolves): every
  admin request spends from a bucket of ``REQUESTS_PER_SECOND`` (bursts of
  ``REQUEST_BURST``), and every wrong token from a much smaller one (``FAILURES_PER_MINUTE``,
  bursts of ``FAILURE_BURST``), so guessing the token is hopeless. Over either: 429 with
  ``Retry-After``, counted as ``rate_limited``. An address that spent its failures is refused
  before its token is even looked at.
- **Tickets.** What a browser cannot send in a header (an ``EventSource`` URL, a Socket.IO
  join) carries a ticket instead: ``purpose``, ``subject`` and an expiry signed with HMAC-SHA256
  under a key derived from the admin token, so every node of a cluster with the same token
  accepts the others' tickets and a ticket never reveals the token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import secrets
import time
from collections import Counter
from typing import Any

from aiohttp import web

from server.limits import AddressBuckets
from server.net.addresses import AddressResolver

REQUESTS_PER_SECOND = 20.0
REQUEST_BURST = 60.0
FAILURES_PER_MINUTE = 10.0
FAILURE_BURST = 10.0
TICKET_SECONDS = 60.0


class Tickets:
    """Signs and checks short-lived tickets (see the module docstring).

    :param token: the admin token the signing key is derived from; empty: a random key
        (the admin API is off, and no ticket it signs is ever handed out).
    :param lifetime: seconds a ticket is valid; default ``TICKET_SECONDS``.
    """

    def __init__(self, token: str, lifetime: float = TICKET_SECONDS) -> None:
        secret = token.encode() or secrets.token_bytes(32)
        self._key = hmac.new(secret, b"tickwire admin tickets", hashlib.sha256).digest()
        self.lifetime = lifetime

    def issue(self, purpose: str, subject: str = "") -> str:
        """A ticket for ``purpose`` (``feed``, ``watch``) and ``subject`` (a room id...)."""
        body = json.dumps([purpose, subject, math.ceil(time.time() + self.lifetime)],
                          separators=(",", ":")).encode()
        return f"{_b64(body)}.{_b64(self._sign(body))}"

    def check(self, ticket: str, purpose: str) -> str | None:
        """The subject of a valid, unexpired ``purpose`` ticket; None otherwise."""
        encoded, _, signature = ticket.partition(".")
        try:
            body = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        except ValueError:
            return None
        if not hmac.compare_digest(given, self._sign(body)):
            return None
        kind, subject, expires = json.loads(body)
        return subject if kind == purpose and time.time() <= expires else None

    def _sign(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class AdminGuard:
    """Checks every admin request: rate limits, then the token (see the module docstring).

    :param token: the admin token; empty turns the admin API off (403).
    :param tickets: signs and checks tickets (``Tickets(token)``).
    :param addresses: resolves a request's client address.
    :param refusals: where refusals are counted by reason (``EngineStats.admin_refusals``).
    """

    def __init__(self, token: str, tickets: Tickets, addresses: AddressResolver,
                 refusals: Counter[str]) -> None:
        self.enabled = bool(token)
        self._expected = f"Bearer {token}".encode()
        self.tickets = tickets
        self.addresses = addresses
        self.refusals = refusals
        self._requests = AddressBuckets(REQUESTS_PER_SECOND, REQUEST_BURST)
        self._failures = AddressBuckets(FAILURES_PER_MINUTE / 60, FAILURE_BURST)

    def check(self, request: web.Request) -> None:
        """Let ``request`` through, or raise the HTTP error that refuses it."""
        self.check_rate(request)
        given = request.headers.get("Authorization", "").encode()
        if not secrets.compare_digest(given, self._expected):
            self.failed(request)
            raise json_error(401, "unauthorized", "send Authorization: Bearer <admin token>")

    def check_rate(self, request: web.Request) -> None:
        """Refuse ``request`` when the API is off or its address is over a limit."""
        if not self.enabled:
            raise json_error(403, "admin_off", "the admin API is off; start the server with "
                             "--admin-token (or TICKWIRE_ADMIN_TOKEN)")
        address = self.address_of(request)
        if not self._failures.allows(address):
            self._limited(self._failures.wait(address))
        if not self._requests.take(address):
            self._limited(self._requests.wait(address))

    def failed(self, request: web.Request) -> None:
        """Count a wrong token or ticket from ``request``'s address."""
        self.refusals["unauthorized"] += 1
        self._failures.take(self.address_of(request))

    def address_of(self, request: web.Request) -> str:
        """The client address of ``request``."""
        return self.addresses.client_key(request.remote, request.headers.get("X-Forwarded-For"))

    def _limited(self, wait: float) -> None:
        self.refusals["rate_limited"] += 1
        raise json_error(429, "rate_limited", "too many admin requests; slow down",
                         headers={"Retry-After": str(max(1, math.ceil(wait)))})


def json_error(status: int, code: str, message: str, headers: dict[str, str] | None = None,
               ) -> web.HTTPException:
    """An HTTP error answering ``{ok: false, code, message}``."""
    body: dict[str, Any] = {"ok": False, "code": code, "message": message}
    return ERRORS[status](text=json.dumps(body), content_type="application/json",
                          headers=headers)


ERRORS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 403: web.HTTPForbidden,
    404: web.HTTPNotFound, 409: web.HTTPConflict, 429: web.HTTPTooManyRequests,
    502: web.HTTPBadGateway, 503: web.HTTPServiceUnavailable,
}
