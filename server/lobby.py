"""The lobby: creates rooms, finds them by code or id, lists and quick-joins public ones.

Rooms live in this process (``rooms``); finding them goes through a ``RoomDirectory`` so that
a shared directory can later span several processes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

from server.codes import new_join_code, new_room_id
from server.config import ServerConfig
from server.directory import RoomDirectory, RoomListing
from server.games.base import Game
from server.metrics import EngineStats
from server.room import Dispatcher, Room, RoomOptions
from shared.protocol import DEFAULTS, LIMITS, ProtocolError

log = logging.getLogger(__name__)


@dataclass(slots=True)
class RoomRequest:
    """A validated request for a new room (see ``RoomOptions`` for the meaning)."""

    game: str = DEFAULTS.game
    public: bool = False
    max_players: int = DEFAULTS.max_players
    max_spectators: int = DEFAULTS.max_spectators
    tick_rate: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)


class Lobby:
    """Room directory front: create, find, list, quick-join.

    :param config: server limits and defaults.
    :param directory: where rooms are registered and looked up.
    :param dispatcher: handed to every room.
    :param games: game classes by name.
    :param node: this process's name in the directory.
    :param stats: process-wide counters handed to every room.

    ``on_room_closed`` is called with a room and its last members' ids when it closes.
    """

    def __init__(
        self,
        config: ServerConfig,
        directory: RoomDirectory,
        dispatcher: Dispatcher,
        games: Mapping[str, type[Game]],
        node: str,
        stats: EngineStats,
    ) -> None:
        self.config = config
        self.directory = directory
        self.dispatcher = dispatcher
        self.games = games
        self.node = node
        self.stats = stats
        self.on_room_closed: Callable[[Room, list[str]], None] = lambda room, sids: None
        self.rooms: dict[str, Room] = {}
        self.closing = False
        self.creators: dict[str, str] = {}  # room id -> sid of the connection that created it
        self._background: set[asyncio.Task[None]] = set()

    async def create(self, creator_sid: str, request: RoomRequest, autostart: bool = False) -> Room:
        """Make and launch a room. The creator still has to join it."""
        if self.closing:
            raise ProtocolError("shutting_down")
        game_class = self.games.get(request.game)
        if game_class is None:
            raise ProtocolError("unknown_game", f"No game called {request.game[:32]!r} here")
        if len(self.rooms) >= self.config.max_rooms:
            raise ProtocolError("server_full", "This server holds its maximum number of rooms")
        created = sum(1 for sid in self.creators.values() if sid == creator_sid)
        if created >= self.config.max_rooms_per_connection:
            raise ProtocolError(
                "rate_limited",
                f"One connection may keep at most {self.config.max_rooms_per_connection} rooms",
            )
        settings = game_class.settings_schema.merge(
            game_class.settings_schema.defaults(), request.settings
        )
        options = RoomOptions(
            public=request.public,
            max_players=request.max_players,
            max_spectators=request.max_spectators,
            tick_rate=request.tick_rate or self.config.tick_rate,
            max_inputs_per_tick=self.config.max_inputs_per_tick,
            empty_grace=self.config.empty_room_grace,
            seat_grace=self.config.seat_grace,
            autostart=autostart,
            settings=settings,
        )
        room = None
        while room is None:
            candidate = Room(new_room_id(), new_join_code(LIMITS.code_length), game_class,
                             options, self.dispatcher, self.stats, self._closed)
            if await self.directory.claim(self._listing(candidate)):
                room = candidate
        self.rooms[room.id] = room
        self.creators[room.id] = creator_sid
        room.launch()
        log.info("room %s (%s, %s) created", room.id, request.game,
                 "public" if request.public else "private")
        return room

    async def find(self, code: str | None = None, room_id: str | None = None) -> Room:
        """The local room with this code or id."""
        listing = None
        if code:
            listing = await self.directory.by_code(code)
        elif room_id:
            listing = await self.directory.by_id(room_id)
        room = self.rooms.get(listing.id) if listing else None
        if room is None or room.closed:
            raise ProtocolError("room_not_found")
        return room

    async def quick_join_target(self, creator_sid: str, request: RoomRequest) -> Room:
        """The fullest public room of this game (and these settings) with a free seat, or a
        new public room that starts right away."""
        best: Room | None = None
        for listing in await self.directory.public(request.game, open_only=True):
            room = self.rooms.get(listing.id)
            if (room is None or room.closed or room.player_count >= room.options.max_players
                    or any(room.settings.get(k) != v for k, v in request.settings.items())):
                continue
            if best is None or room.player_count > best.player_count:
                best = room
        if best is not None:
            return best
        request.public = True
        return await self.create(creator_sid, request, autostart=True)

    async def public_rooms(self, game: str | None = None) -> list[dict[str, Any]]:
        """Listings of public rooms."""
        return [listing.public_view() for listing in await self.directory.public(game)]

    def publish(self, room: Room) -> None:
        """Refresh the room's directory listing in the background (counts, started)."""
        if not room.closed:
            self._spawn(self.directory.update(self._listing(room)))

    async def close_all(self, code: str) -> None:
        """Refuse new rooms and close every room (on shutdown)."""
        self.closing = True
        for room in list(self.rooms.values()):
            await room.close(code)

    def _closed(self, room: Room, sids: list[str]) -> None:
        self.rooms.pop(room.id, None)
        self.creators.pop(room.id, None)
        self._spawn(self.directory.remove(room.id))
        log.info("room %s closed", room.id)
        self.on_room_closed(room, sids)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("directory update failed", exc_info=task.exception())

    def _listing(self, room: Room) -> RoomListing:
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
