"""The lobby: creates rooms, finds them by code or id, lists and quick-joins public ones, and
knows which room each connection is in.

Rooms live in this process (``rooms``); finding them goes through a ``RoomDirectory`` so that
a shared directory can later span several processes. The lobby is every room's
``RoomListener`` (with ``observer``, the room events producer, heard after it): rooms tell it
who joined and who lost their place (it keeps ``room_of`` from that alone), when their listing
changed (``ListingWriter`` writes it), and when they closed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from server.budget import RoomBudget
from server.codes import new_join_code, new_room_id
from server.config import ServerConfig
from server.directory import RoomDirectory
from server.games.base import Game
from server.interfaces import Dispatcher, Listeners, RoomListener
from server.listings import ListingWriter
from server.logs import in_room
from server.metrics import EngineStats
from server.room import Room, RoomOptions
from server.roster import Member
from shared.protocol import DEFAULTS, LIMITS, ProtocolError

log = logging.getLogger(__name__)

DRAINING_RETRY = 30.0  # seconds a client is told to wait for a room from a draining server


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
    """Room directory front: create, find, list, quick-join; where each connection is.

    :param config: server limits and defaults.
    :param directory: where rooms are registered and looked up.
    :param dispatcher: handed to every room.
    :param games: game classes by name.
    :param node: this process's name in the directory.
    :param stats: process-wide counters handed to every room.
    :param budget: what the rooms of this process may cost.
    :param listing_interval: least seconds between two listing writes of a room; default 0
        (1 against a shared directory).
    :param observer: also hears every room, after the lobby (the room events producer).
    """

    def __init__(
        self,
        config: ServerConfig,
        directory: RoomDirectory,
        dispatcher: Dispatcher,
        games: Mapping[str, type[Game]],
        node: str,
        stats: EngineStats,
        budget: RoomBudget,
        listing_interval: float = 0.0,
        observer: RoomListener | None = None,
    ) -> None:
        self.config = config
        self.directory = directory
        self.dispatcher = dispatcher
        self.games = games
        self.stats = stats
        self.budget = budget
        self.listings = ListingWriter(directory, node, listing_interval)
        self.listener: RoomListener = self if observer is None else Listeners(self, observer)
        self.rooms: dict[str, Room] = {}
        self.closing = False
        self.draining = False  # refuse new rooms, let running ones finish (the admin's drain)
        self.creators: dict[str, str] = {}  # room id -> sid of the connection that created it
        self._places: dict[str, Room] = {}  # sid -> its room; written only by room events

    async def create(self, creator_sid: str, request: RoomRequest, autostart: bool = False,
                     address: str = "unknown", room_id: str = "", code: str = "") -> Room:
        """Make and launch a room for connection ``creator_sid`` from client ``address``, if
        it fits the budget. The creator still has to join it.

        :param room_id: the id (with ``code``) of a room the cluster directory holds a
            placeholder for (opened even while draining); by default new ones.
        """
        if self.closing:
            raise ProtocolError("shutting_down")
        if self.draining and not room_id:
            raise ProtocolError("server_busy", "This server is draining: it opens no new rooms",
                                retry_after=DRAINING_RETRY)
        game_class = self.game_class(request.game)
        if len(self.rooms) >= self.config.max_rooms:
            raise ProtocolError("server_full", "This server holds its maximum number of rooms")
        created = sum(1 for sid in self.creators.values() if sid == creator_sid)
        if created >= self.config.max_rooms_per_connection:
            raise ProtocolError(
                "rate_limited",
                f"One connection may keep at most {self.config.max_rooms_per_connection} rooms",
            )
        settings = self.settings_for(request)
        tick_rate = request.tick_rate or self.config.tick_rate
        cost = self.budget.cost(game_class, settings, request.max_players, tick_rate)
        self.budget.check(address, cost, request.tick_rate or 0)
        options = RoomOptions(
            public=request.public,
            max_players=request.max_players,
            max_spectators=request.max_spectators,
            tick_rate=tick_rate,
            max_inputs_per_tick=self.config.max_inputs_per_tick,
            empty_grace=self.config.empty_room_grace,
            seat_grace=self.config.seat_grace,
            autostart=autostart,
            settings=settings,
        )
        room = None
        while room is None:
            candidate = Room(room_id or new_room_id(), code or new_join_code(LIMITS.code_length),
                             game_class, options, self.dispatcher, self.stats, self.listener)
            if await self.listings.claim(candidate):
                room = candidate
            elif room_id:
                raise ProtocolError("room_not_found", "That room is no longer waiting to open")
        self.rooms[room.id] = room
        self.creators[room.id] = creator_sid
        self.budget.charge(room.id, address, cost)
        room.launch()
        log.info("room %s (%s, %s) created", room.id, request.game,
                 "public" if request.public else "private", extra=in_room(room.id))
        return room

    def game_class(self, game: str) -> type[Game]:
        """The game called ``game``, or ``ProtocolError("unknown_game")``."""
        game_class = self.games.get(game)
        if game_class is None:
            raise ProtocolError("unknown_game", f"No game called {game[:32]!r} here")
        return game_class

    def settings_for(self, request: RoomRequest) -> dict[str, Any]:
        """The whole, checked settings of a room for ``request`` (its game's defaults with the
        request's changes)."""
        schema = self.game_class(request.game).settings_schema
        return schema.merge(schema.defaults(), request.settings)

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

    async def quick_join(self, sid: str, name: str, request: RoomRequest,
                         metadata: dict[str, Any], address: str = "unknown") -> dict[str, Any]:
        """Seat ``sid`` in the fullest public room of this game (and these settings) that has
        a free seat and whose game admits it, or else in a new public room that starts right
        away. Returns the welcome."""
        for room in await self._open_rooms(request):
            try:
                return await room.admit(sid, name, metadata=metadata)
            except ProtocolError:
                continue  # full by now, or the game (or a past kick) refuses: the next one
        request.public = True
        room = await self.create(sid, request, autostart=True, address=address)
        return await room.admit(sid, name, metadata=metadata)

    async def _open_rooms(self, request: RoomRequest) -> list[Room]:
        """Local public rooms that suit a quick join, fullest first."""
        suitable = []
        for listing in await self.directory.public(request.game, open_only=True):
            room = self.rooms.get(listing.id)
            if (room is not None and not room.closed
                    and room.player_count < room.options.max_players
                    and all(room.settings.get(k) == v for k, v in request.settings.items())):
                suitable.append(room)
        return sorted(suitable, key=lambda room: -room.player_count)

    async def public_rooms(self, game: str | None = None) -> list[dict[str, Any]]:
        """Listings of public rooms."""
        return [listing.public_view() for listing in await self.directory.public(game)]

    def room_of(self, sid: str) -> Room | None:
        """The room connection ``sid`` is in, if any."""
        return self._places.get(sid)

    async def close_all(self, code: str) -> None:
        """Refuse new rooms and close every room (on shutdown)."""
        self.closing = True
        for room in list(self.rooms.values()):
            await room.close(code)
        await self.listings.close()

    # -- RoomListener ------------------------------------------------------------------------

    def opened(self, room: Room) -> None:
        """Nothing to do: ``create`` registered ``room``."""

    def started(self, room: Room) -> None:
        """Nothing to do: the listing follows through ``listing_changed``."""

    def member_joined(self, room: Room, member: Member, resumed: bool) -> None:
        """``member``'s connection is in ``room`` now."""
        assert member.sid is not None
        self._places[member.sid] = room

    def member_left(self, room: Room, sid: str | None, member: Member | None, reason: str
                    ) -> None:
        """Connection ``sid`` lost its place in ``room``."""
        if sid is not None and self._places.get(sid) is room:
            del self._places[sid]

    def listing_changed(self, room: Room) -> None:
        """Write ``room``'s listing soon (coalesced; never waits)."""
        self.listings.changed(room)

    def game_event(self, room: Room, kind: str, data: Mapping[str, Any]) -> None:
        """Nothing to do: the events producer publishes it."""

    def closed(self, room: Room, code: str, sids: list[str]) -> None:
        """Forget ``room`` and its last members' places."""
        self.rooms.pop(room.id, None)
        self.creators.pop(room.id, None)
        self.budget.release(room.id)
        self.listings.removed(room.id)
        for sid in sids:
            self.member_left(room, sid, None, code)
        log.info("room %s closed (%s)", room.id, code, extra=in_room(room.id))
