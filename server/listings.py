"""Directory listings kept in step with the rooms of this process.

Rooms only signal that their listing changed (someone came or went, a held seat expired, the
game started); the writes happen afterwards, off the tick, through a coalescing writer
(``server.cluster.listing_writer.ListingWriter``): at most one write per room per
``interval`` (0 in one process; 1 s against a shared directory), with the room's listing read
when it is written, so it is always the latest. A closed room is removed in the background,
retried until the directory answers. This is the one place that writes listings.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from server.cluster.listing_writer import ListingWriter as CoalescingWriter
from server.directory import RoomDirectory, RoomListing, settings_key
from shared.protocol import ProtocolError

if TYPE_CHECKING:
    from server.room import Room

log = logging.getLogger(__name__)

REMOVE_ATTEMPTS = 60  # a removal is retried once a second this often while the directory fails


class ListingWriter:
    """Writes the listings of this process's rooms to a directory.

    :param directory: where listings go.
    :param node: this process's name in the directory.
    :param interval: least seconds between two writes of one room's listing; default 0.
    """

    def __init__(self, directory: RoomDirectory, node: str, interval: float = 0.0) -> None:
        self.directory = directory
        self.node = node
        self.updates = CoalescingWriter(directory, interval)
        self._removals: set[asyncio.Task[None]] = set()

    async def claim(self, room: Room) -> bool:
        """Register a new room; False when its join code is taken."""
        return await self.directory.claim(self.listing(room), settings_key(room.settings))

    def changed(self, room: Room) -> None:
        """``room``'s listing changed: write it soon. Never waits (rooms call it mid-tick)."""
        self.updates.changed(room.id, lambda: None if room.closed else self.listing(room))

    def removed(self, room_id: str) -> None:
        """The room closed: take it out of the directory soon."""
        self.updates.forget(room_id)
        task = asyncio.get_running_loop().create_task(self._remove(room_id))
        self._removals.add(task)
        task.add_done_callback(self._removals.discard)

    async def close(self) -> None:
        """Stop writing; removals still pending are given up."""
        await self.updates.close()
        for task in list(self._removals):
            task.cancel()
        await asyncio.gather(*self._removals, return_exceptions=True)

    def listing(self, room: Room) -> RoomListing:
        """What the directory shows of ``room`` now."""
        return RoomListing(
            id=room.id,
            code=room.code,
            game=room.game_class.name,
            public=room.options.public,
            players=room.player_count,
            max_players=room.options.max_players,
            spectators=room.spectator_count,
            started=room.started,
            node=self.node,
        )

    async def _remove(self, room_id: str) -> None:
        for _ in range(REMOVE_ATTEMPTS):
            try:
                await self.directory.remove(room_id)
                return
            except ProtocolError as error:
                log.debug("room %s not removed from the directory (%s); retrying", room_id,
                          error.code)
            await asyncio.sleep(1.0)
        log.error("room %s could not be removed from the directory", room_id)
