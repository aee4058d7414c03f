"""The monitor's live data: ``GET /api/admin/feed?ticket=...[&room=<id>]``, server-sent events.

A browser's ``EventSource`` cannot send the admin token, so the stream takes a ticket from
``POST /api/admin/tickets`` (valid for a minute; only checked when the stream opens). Every
``every`` seconds it sends ``nodes`` (``{"nodes": [...]}``, as ``GET /api/admin/nodes``) and
``rooms`` (``{"rooms": [...]}``), and with ``room`` also ``room`` (that room's detail, as
``GET /api/admin/rooms/{id}``, or ``{"id": ..., "closed": true}`` once it is gone). At most
``MAX_STREAMS`` streams are open at once; the rest are answered 429.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import web
from aiohttp_sse import EventSourceResponse, sse_response

from server.admin.auth import AdminGuard, json_error
from server.admin.fleet import LocalFleet
from shared.protocol import ProtocolError

log = logging.getLogger(__name__)

FEED_SECONDS = 2.0
MAX_STREAMS = 16
SEND_TIMEOUT = 5.0


class MonitorFeed:
    """The monitor's event streams (see the module docstring).

    :param guard: checks tickets and rate limits.
    :param fleet: where nodes and rooms are read.
    :param every: seconds between updates; default ``FEED_SECONDS``.
    """

    def __init__(self, guard: AdminGuard, fleet: LocalFleet, every: float = FEED_SECONDS
                 ) -> None:
        self.guard = guard
        self.fleet = fleet
        self.every = every
        self.streams: set[EventSourceResponse] = set()

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """``GET /api/admin/feed``."""
        self.guard.check_rate(request)
        if self.guard.tickets.check(request.query.get("ticket", "")[:512], "feed") is None:
            self.guard.refusals["unauthorized"] += 1
            raise json_error(401, "unauthorized", "get a fresh ticket: POST /api/admin/tickets")
        if len(self.streams) >= MAX_STREAMS:
            raise json_error(429, "rate_limited", f"at most {MAX_STREAMS} monitor streams",
                             headers={"Retry-After": "5"})
        room_id = request.query.get("room", "")[:32]
        async with sse_response(request, send_timeout=SEND_TIMEOUT) as response:
            self.streams.add(response)
            try:
                while response.is_connected():
                    await self._update(response, room_id)
                    await asyncio.sleep(self.every)
            except (ConnectionError, RuntimeError, TimeoutError) as error:
                log.debug("monitor stream dropped: %r", error)
            finally:
                self.streams.discard(response)
        return response

    async def close(self) -> None:
        """End every stream (server shutdown)."""
        for response in list(self.streams):
            response.stop_streaming()
        self.streams.clear()

    async def _update(self, response: EventSourceResponse, room_id: str) -> None:
        try:
            await response.send(_text({"nodes": await self.fleet.nodes()}), event="nodes")
            await response.send(_text({"rooms": await self.fleet.rooms()}), event="rooms")
            if room_id:
                detail = await self.fleet.room(room_id)
                await response.send(_text(detail or {"id": room_id, "closed": True}),
                                    event="room")
        except ProtocolError as error:
            await response.send(_text(error.to_wire()), event="problem")


def _text(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"))
