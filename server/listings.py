"""Directory listings kept in step with the rooms of this process.

Rooms only signal that their listing changed (someone came or went, a held seat expired, the
game started); the writes happen afterwards, off the tick, in one background writer, with at
most one write pending per room however many signals came in between. The listing is read
from the room when it is written, so it is always the latest. This is the one place that
writes listings: a rate limit per room for a shared directory belongs here.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from server.directory import RoomDirectory, RoomListing

if TYPE_CHECKING:
    from server.room import Room

log = logging.getLogger(__name__)


class ListingWriter:
    """Writes the listings of this process's rooms to a directory.

    :param directory: where listings go.
    :param node: this process's name in the directory.
    """

    def __init__(self, directory: RoomDirectory, node: str) -> None:
        self.directory = directory
        self.node = node
        self._pending: dict[str, Room | None] = {}  # room id -> room to write, None to remove
        self._writer: asyncio.Task[None] | None = None

    async def claim(self, room: Room) -> bool:
        """Register a new room; False when its join code is taken."""
        return await self.directory.claim(self.listing(room))

    def changed(self, room: Room) -> None:
        """``room``'s listing changed: write it soon. Never waits (rooms call it mid-tick)."""
        self._pending.setdefault(room.id, room)  # a pending removal stays a removal
        self._wake()

    def removed(self, room_id: str) -> None:
        """The room closed: take it out of the directory soon."""
        self._pending[room_id] = None
        self._wake()

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

    def _wake(self) -> None:
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        while self._pending:
            room_id = next(iter(self._pending))
            room = self._pending.pop(room_id)
            try:
                if room is None:
                    await self.directory.remove(room_id)
                elif not room.closed:
                    await self.directory.update(self.listing(room))
            except Exception:
                log.exception("room %s: directory write failed", room_id)
