"""``GET /api/events``: the event stream as server-sent events, live, resumable.

Each SSE message carries one event's structured CloudEvents JSON as ``data`` and its outbox
position as ``id``. A reader that reconnects with ``Last-Event-ID`` (``EventSource`` does so by
itself; ``?last_event_id=`` works too) first gets every event after that position the outbox
still holds (the last ``--event-history`` delivered ones, and all undelivered ones), then the
live stream. Filters: ``?type=room.ended,player.*`` (exact types, or a prefix ending in
``.*``) and ``?room=<room id>``. Events of private rooms need ``Authorization: Bearer
<--admin-token>``; without it they are left out. A reader that falls more than
``MAX_BACKLOG`` events behind is disconnected (it resumes with ``Last-Event-ID``); at most
``MAX_READERS`` read at once, ``MAX_READERS_PER_ADDRESS`` from one address.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp_sse import sse_response

from server.events.outbox import Outbox, StoredEvent
from server.events.pipeline import EventPipeline
from server.net.addresses import AddressResolver

EVENTS_PATH = "/api/events"
MAX_BACKLOG = 1000  # live events queued for one reader
MAX_READERS = 256
MAX_READERS_PER_ADDRESS = 8
REPLAY_PAGE = 500
MAX_TYPES = 16
TYPE_PATTERN = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?")
ROOM_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
SEND_TIMEOUT = 5.0
CLOUDEVENT: dict[str, Any] = {"type": "object", "description": (
    "one server-sent message: data is a structured CloudEvent (shared/events/"
    "cloudevent.json and one schema per type), id its outbox position")}


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events one reader gets."""

    types: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    room: str = ""
    private: bool = False

    def matches(self, event: StoredEvent) -> bool:
        """True when ``event`` passes every filter."""
        if not event.public and not self.private:
            return False
        if self.room and event.subject != self.room:
            return False
        if self.types or self.prefixes:
            return event.type in self.types or event.type.startswith(self.prefixes)
        return True


class EventStream:
    """The ``/api/events`` handler (see the module docstring).

    :param pipeline: hands over newly stored events.
    :param outbox: holds the history readers resume from.
    :param admin_token: lets a reader see private rooms' events; empty: nobody can.
    :param addresses: the client address of a request, as every per-address limit reads it
        (trusted proxies, IPv6 by /64).
    """

    def __init__(self, pipeline: EventPipeline, outbox: Outbox, admin_token: str,
                 addresses: AddressResolver) -> None:
        self.pipeline = pipeline
        self.outbox = outbox
        self.addresses = addresses
        self.expected = f"Bearer {admin_token}".encode() if admin_token else b""
        self.readers = 0
        self.by_address: Counter[str] = Counter()
        self.closing = False
        self._wakers: set[asyncio.Event] = set()

    def close(self) -> None:
        """End every stream (server shutdown)."""
        self.closing = True
        for waker in self._wakers:
            waker.set()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """``GET /api/events``."""
        selection = self._filter(request)
        after = _position(request)
        address = self.addresses.client_key(request.remote,
                                            request.headers.get("X-Forwarded-For"))
        if self.readers >= MAX_READERS or self.closing:
            raise _refused(web.HTTPServiceUnavailable, "server_busy",
                           "Too many event readers; try again later")
        if self.by_address[address] >= MAX_READERS_PER_ADDRESS:
            raise _refused(web.HTTPTooManyRequests, "too_many_connections",
                           f"At most {MAX_READERS_PER_ADDRESS} event readers per address")
        backlog: deque[StoredEvent] = deque()
        arrived = asyncio.Event()
        overflow = False

        def hand_over(events: list[StoredEvent]) -> None:
            nonlocal overflow
            for event in events:
                if selection.matches(event):
                    if len(backlog) >= MAX_BACKLOG:
                        overflow = True
                    else:
                        backlog.append(event)
            arrived.set()

        self.readers += 1
        self.by_address[address] += 1
        self._wakers.add(arrived)
        self.pipeline.subscribe(hand_over)
        response = web.StreamResponse()
        try:
            async with sse_response(request, send_timeout=SEND_TIMEOUT) as response:
                gone = asyncio.ensure_future(response.wait())  # the reader went away
                gone.add_done_callback(lambda _: arrived.set())
                last = after if after is not None else self.outbox.last_pos
                while after is not None:  # replay what the outbox holds after ``after``
                    page = await self.outbox.read(last, REPLAY_PAGE)
                    for event in page:
                        if selection.matches(event):
                            await response.send(event.body.decode(), id=str(event.pos))
                        last = event.pos
                    if len(page) < REPLAY_PAGE:
                        break
                while not (overflow or self.closing or gone.done()):
                    while backlog:
                        event = backlog.popleft()
                        if event.pos > last:
                            await response.send(event.body.decode(), id=str(event.pos))
                            last = event.pos
                    arrived.clear()
                    if not (overflow or self.closing or gone.done()):
                        await arrived.wait()
                gone.cancel()
        except (ConnectionError, TimeoutError):
            pass  # the reader went away, or stopped reading
        finally:
            self.pipeline.unsubscribe(hand_over)
            self._wakers.discard(arrived)
            self.readers -= 1
            self.by_address[address] -= 1
            if not self.by_address[address]:
                del self.by_address[address]
        return response

    def _filter(self, request: web.Request) -> EventFilter:
        given = request.headers.get("Authorization", "")
        if given and not (self.expected and secrets.compare_digest(given.encode(),
                                                                   self.expected)):
            raise web.HTTPUnauthorized(text="a valid admin token is required")
        query = request.query
        types = [t for t in query.get("type", "").split(",") if t]
        room = query.get("room", "")
        if len(types) > MAX_TYPES or not all(len(t) <= 64 and TYPE_PATTERN.fullmatch(t)
                                             for t in types):
            raise _refused(web.HTTPBadRequest, "bad_request",
                           f"type: up to {MAX_TYPES} comma-separated event types "
                           "(a trailing .* matches a prefix)")
        if room and not ROOM_PATTERN.fullmatch(room):
            raise _refused(web.HTTPBadRequest, "bad_request", "room: not a room id")
        return EventFilter(
            types=frozenset(t for t in types if not t.endswith(".*")),
            prefixes=tuple(t[:-1] for t in types if t.endswith(".*")),
            room=room, private=bool(given))


def _position(request: web.Request) -> int | None:
    text = request.headers.get("Last-Event-ID") or request.query.get("last_event_id")
    if text is None:
        return None
    if not text.isdigit() or len(text) > 18:
        raise _refused(web.HTTPBadRequest, "bad_request",
                       "Last-Event-ID: an event position (a whole number)")
    return int(text)


def _refused(kind: type[web.HTTPException], code: str, message: str) -> web.HTTPException:
    return kind(text=json.dumps({"ok": False, "code": code, "message": message}),
                content_type="application/json")
