"""HTTP endpoints beside Socket.IO: a live feed of the public rooms for the browser lobby.

``GET /api/rooms/feed`` is a server-sent-events stream. Each ``rooms`` event carries the JSON
``{"rooms": [listing, ...]}`` (see ``RoomListing.public_view``); one is sent on connect and
another whenever the list changes. A browser's ``EventSource`` reconnects by itself.

In one process the feed looks at the directory twice a second while someone listens. A
cluster node instead follows the directory's listing changes (Redis Pub/Sub, one subscription
per node however many browsers listen), reloading the whole list after every (re)subscription.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web
from aiohttp_sse import EventSourceResponse, sse_response

from server.cluster.listing_feed import ListingEvent
from server.lobby import Lobby
from shared.protocol import ROOM_FEED_PATH, ProtocolError

log = logging.getLogger(__name__)

FEED_EVENT = "rooms"
POLL_SECONDS = 0.5  # how often the feed looks for changes
SEND_TIMEOUT = 5.0  # a subscriber that takes longer to accept an event is dropped
MAX_ROOMS = 100  # rooms one feed event lists

Follow = Callable[[], AsyncIterator[ListingEvent]]


class RoomFeed:
    """Watches the lobby's public rooms and sends the list to every subscriber on change.

    One watcher task serves all subscribers and runs only while someone listens; it reads the
    directory off the tick path, so rooms never wait for it.

    :param lobby: whose public rooms to watch.
    :param every: seconds between looks.
    :param follow: listing changes to follow instead of looking (a cluster's); once started,
        the follower runs until ``close``.
    """

    def __init__(self, lobby: Lobby, every: float = POLL_SECONDS, follow: Follow | None = None
                 ) -> None:
        self.lobby = lobby
        self.every = every
        self.follow = follow
        self._followed: dict[str, dict[str, Any]] | None = None  # id -> view, once synced
        self.subscribers: set[EventSourceResponse] = set()
        self._latest = ""
        self._watcher: asyncio.Task[None] | None = None

    async def attach(self, response: EventSourceResponse) -> None:
        """Send the current list to a new subscriber and keep it posted."""
        text = self._latest if self._followed is not None else await self._rooms_text()
        await response.send(text, event=FEED_EVENT)
        self.subscribers.add(response)
        if self._watcher is None or self._watcher.done():
            self._latest = text
            watch = self._watch() if self.follow is None else self._follow(self.follow())
            self._watcher = asyncio.create_task(watch, name="room-feed")

    def detach(self, response: EventSourceResponse) -> None:
        """Stop sending to a subscriber."""
        self.subscribers.discard(response)

    async def close(self) -> None:
        """End every stream (server shutdown)."""
        for response in list(self.subscribers):
            response.stop_streaming()
        self.subscribers.clear()
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher

    async def _rooms_text(self) -> str:
        return _rooms_text(await self.lobby.public_rooms())

    async def _watch(self) -> None:
        while self.subscribers:
            await self._publish(await self._rooms_text())
            await asyncio.sleep(self.every)

    async def _follow(self, changes: AsyncIterator[ListingEvent]) -> None:
        rooms: dict[str, dict[str, Any]] = {}
        async for change in changes:
            if change.kind == "resync":
                try:
                    rooms = {room["id"]: room for room in await self.lobby.public_rooms()}
                except ProtocolError:
                    continue  # the follower subscribes again, and reloads then
            elif change.kind == "put" and change.room is not None:
                rooms[change.room_id] = change.room
            else:
                rooms.pop(change.room_id, None)
            self._followed = rooms
            await self._publish(_rooms_text(list(rooms.values())[:MAX_ROOMS]))

    async def _publish(self, text: str) -> None:
        if text != self._latest:
            self._latest = text
            await asyncio.gather(*(self._send(r, text) for r in list(self.subscribers)))

    async def _send(self, response: EventSourceResponse, text: str) -> None:
        try:
            await response.send(text, event=FEED_EVENT)
        except (ConnectionError, RuntimeError, TimeoutError) as error:
            log.debug("room feed subscriber dropped: %r", error)
            self.detach(response)
            response.stop_streaming()


def _rooms_text(rooms: list[dict[str, Any]]) -> str:
    return json.dumps({"rooms": rooms}, separators=(",", ":"))


ROOM_FEED = web.AppKey("room_feed", RoomFeed)


async def _stream_rooms(request: web.Request) -> web.StreamResponse:
    feed = request.app[ROOM_FEED]
    async with sse_response(request, send_timeout=SEND_TIMEOUT) as response:
        await feed.attach(response)
        try:
            await response.wait()
        finally:
            feed.detach(response)
    return response


async def _close_feed(app: web.Application) -> None:
    await app[ROOM_FEED].close()


def add_http_api(app: web.Application, lobby: Lobby, follow: Follow | None = None) -> None:
    """Route the HTTP API of ``lobby`` on ``app``; ``follow``: see ``RoomFeed``."""
    app[ROOM_FEED] = RoomFeed(lobby, follow=follow)
    app.router.add_get(ROOM_FEED_PATH, _stream_rooms)
    app.on_shutdown.append(_close_feed)
