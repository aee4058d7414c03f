"""HTTP endpoints beside Socket.IO: a live feed of the public rooms for the browser lobby.

``GET /api/rooms/feed`` is a server-sent-events stream. Each ``rooms`` event carries the JSON
``{"rooms": [listing, ...]}`` (see ``RoomListing.public_view``); one is sent on connect and
another whenever the list changes. A browser's ``EventSource`` reconnects by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from aiohttp import web
from aiohttp_sse import EventSourceResponse, sse_response

from server.lobby import Lobby
from shared.protocol import ROOM_FEED_PATH

log = logging.getLogger(__name__)

FEED_EVENT = "rooms"
POLL_SECONDS = 0.5  # how often the feed looks for changes
SEND_TIMEOUT = 5.0  # a subscriber that takes longer to accept an event is dropped


class RoomFeed:
    """Watches the lobby's public rooms and sends the list to every subscriber on change.

    One watcher task serves all subscribers and runs only while someone listens; it reads the
    directory off the tick path, so rooms never wait for it.

    :param lobby: whose public rooms to watch.
    :param every: seconds between looks.
    """

    def __init__(self, lobby: Lobby, every: float = POLL_SECONDS) -> None:
        self.lobby = lobby
        self.every = every
        self.subscribers: set[EventSourceResponse] = set()
        self._latest = ""
        self._watcher: asyncio.Task[None] | None = None

    async def attach(self, response: EventSourceResponse) -> None:
        """Send the current list to a new subscriber and keep it posted."""
        text = await self._rooms_text()
        await response.send(text, event=FEED_EVENT)
        self.subscribers.add(response)
        if self._watcher is None or self._watcher.done():
            self._latest = text
            self._watcher = asyncio.create_task(self._watch(), name="room-feed")

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
        return json.dumps({"rooms": await self.lobby.public_rooms()}, separators=(",", ":"))

    async def _watch(self) -> None:
        while self.subscribers:
            text = await self._rooms_text()
            if text != self._latest:
                self._latest = text
                await asyncio.gather(*(self._send(r, text) for r in list(self.subscribers)))
            await asyncio.sleep(self.every)

    async def _send(self, response: EventSourceResponse, text: str) -> None:
        try:
            await response.send(text, event=FEED_EVENT)
        except (ConnectionError, RuntimeError, TimeoutError) as error:
            log.debug("room feed subscriber dropped: %r", error)
            self.detach(response)
            response.stop_streaming()


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


def add_http_api(app: web.Application, lobby: Lobby) -> None:
    """Route the HTTP API of ``lobby`` on ``app``."""
    app[ROOM_FEED] = RoomFeed(lobby)
    app.router.add_get(ROOM_FEED_PATH, _stream_rooms)
    app.on_shutdown.append(_close_feed)
