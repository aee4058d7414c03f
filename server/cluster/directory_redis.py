"""``RedisDirectory``: the room directory of a cluster, shared by every node through Redis.

It implements ``server.directory.RoomDirectory`` and adds what several nodes need:

- **Codes unique cluster-wide.** ``claim`` is one Lua step: the code key is set only when free
  (or already this room's), with the listing hash, the node's room set and the indexes.
- **Rooms die with their node.** Every room is in ``P node:{id}:rooms``; lookups and listings
  skip rooms whose node has no live heartbeat key, and the sweeper in ``nodes.py`` drops them.
- **Race-safe quick join** (``quick_seat``, one Lua step). Seats taken = players + seat holds;
  a hold is what a reservation (``reservations.py``) stands for and expires with it (15 s).
  The step picks the fullest open room of the game and settings with a free seat and adds a
  hold; when none has one, it adds an *opening placeholder*: a listing in state ``opening``
  on the least loaded live node, counted with the caller's hold, that later callers hold seats
  in before the room exists. So concurrent callers fill a placeholder instead of each opening
  a room: 60 callers of 8 seats open exactly 8 rooms. The owner node creates the room when
  the first holder reaches it (``opening`` gives the spec) and ``claim`` turns the placeholder
  live; a placeholder nobody creates expires ``opening_seconds`` after its last hold.
  (A per-game lock would serialise callers across a network round trip and leave the
  over-opening window between "no room" and "room claimed"; the placeholder closes it.)
- **Holds become players without a gap.** The owner calls ``seated(room, hold)`` when a holder
  takes the seat; the next ``update`` sends the new player count and removes those holds in
  the same step, so seats taken never undercounts.
- **Live listing feed.** Every change of a public live room is published on ``P listings``
  (``{"op": "put", "room": public view}`` or ``{"op": "remove", "id": ...}``);
  ``subscribe_listings`` follows it across Redis restarts (``listing_feed.py``).

Updates should go through ``ListingWriter`` (at most one per room per second, latest wins).

Redis commands per step (one EVALSHA each, as counted by ``INFO commandstats``, inner
commands included): claim 18, update 9 (2 when nothing changed: nothing is written or
published), remove 11, lookup 4, quick_seat 13 into a room / 14 opening one (O(1) typical:
it looks at the fullest open rooms until none can beat the best, 50 at most, plus rooms whose
holds expired), reserve 9, public 3 + 2 per room read. So a room costs nothing while its
listing does not change and at most 9 commands a second while it does; a quick join costs
about 13 + ``NodeRegistry.ranked`` (2 + nodes) + its share of the next update.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from server.cluster import lua
from server.cluster.listing_feed import ListingEvent, listing_events
from server.cluster.redis_link import DEFAULT_PREFIX, KeySpace, guarded
from server.codes import new_join_code, new_room_id
from server.directory import RoomListing
from shared.protocol import LIMITS, ProtocolError

HOLD_SECONDS = 15.0  # a seat hold lives as long as the reservation that stands for it
OPENING_SECONDS = 15.0  # a placeholder nobody creates is forgotten this long after its last hold


@dataclass(frozen=True, slots=True)
class QuickSeat:
    """A seat held by ``quick_seat``.

    ``opened`` means the room is a new placeholder: ``node`` must create it (``opening``)
    when the holder arrives; other callers may already hold seats in it.
    """

    room_id: str
    node: str
    code: str
    hold: str
    opened: bool


@dataclass(frozen=True, slots=True)
class OpeningRoom:
    """A quick-join placeholder its owner node has to create."""

    room_id: str
    code: str
    game: str
    max_players: int
    settings_key: str
    spec: str
    node: str


def settings_key(settings: Mapping[str, Any]) -> str:
    """A short stable key for a settings mapping: quick join only mixes equal settings."""
    canonical = json.dumps(settings, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def new_hold_id() -> str:
    """An unguessable seat-hold id (128 random bits)."""
    return secrets.token_urlsafe(16)


class RedisDirectory:
    """A ``RoomDirectory`` in Redis, shared by the nodes of a cluster.

    :param redis: the client (``redis_link.connect``).
    :param prefix: key prefix of this cluster; default ``"tw:"``.
    :param hold_seconds: how long a seat hold lasts; default 15.
    :param opening_seconds: how long a placeholder outlives its last hold; default 15.

    Every method raises ``ProtocolError("cluster_unavailable")`` when Redis does not answer
    within ``redis_link.CALL_TIMEOUT``.
    """

    def __init__(self, redis: Redis, prefix: str = DEFAULT_PREFIX,
                 hold_seconds: float = HOLD_SECONDS,
                 opening_seconds: float = OPENING_SECONDS) -> None:
        self.redis = redis
        self.keys = KeySpace(prefix)
        self.hold_ms = int(hold_seconds * 1000)
        self.opening_ms = int(opening_seconds * 1000)
        self._settings_keys: dict[str, str] = {}  # room id -> settings key, for restore
        self._seated: dict[str, list[str]] = {}  # room id -> holds taken since the last update
        self._scripts = {
            name: redis.register_script(getattr(lua, name))
            for name in ("CLAIM", "UPDATE", "REMOVE", "LOOKUP", "PUBLIC", "QUICK_SEAT",
                         "RESERVE", "OPENING")
        }

    async def claim(self, listing: RoomListing, settings_key: str = "") -> bool:
        """Register a room (or make its opening placeholder live); False when the code is
        another room's.

        :param settings_key: ``settings_key(room settings)``; public rooms are quick-joined
            by game and this key.
        """
        claimed = await self._run("CLAIM", listing.id, listing.code, listing.game,
                                  _flag(listing.public), listing.players, listing.max_players,
                                  listing.spectators, _flag(listing.started), listing.node,
                                  settings_key)
        if claimed:
            self._settings_keys[listing.id] = settings_key
        return bool(claimed)

    async def update(self, listing: RoomListing) -> None:
        """Store the room's counts and state; holds marked ``seated`` since the last update
        leave the seat count in the same step."""
        seated = self._seated.pop(listing.id, [])
        try:
            await self._run("UPDATE", listing.id, listing.players, listing.max_players,
                            listing.spectators, _flag(listing.started), *seated)
        except ProtocolError:
            self._seated.setdefault(listing.id, []).extend(seated)
            raise

    async def remove(self, room_id: str) -> None:
        """Forget a room, its code, holds and index entries."""
        self._settings_keys.pop(room_id, None)
        self._seated.pop(room_id, None)
        await self._run("REMOVE", room_id)

    async def by_code(self, code: str) -> RoomListing | None:
        """The live room with this join code, on a live node."""
        return _listing(await self._run("LOOKUP", "code", code))

    async def by_id(self, room_id: str) -> RoomListing | None:
        """The live room with this id, on a live node."""
        return _listing(await self._run("LOOKUP", "id", room_id))

    async def public(self, game: str | None = None, limit: int = 100,
                     open_only: bool = False) -> list[RoomListing]:
        """Public live rooms on live nodes, oldest first; ``open_only`` skips full ones."""
        found = await self._run("PUBLIC", game or "", limit, _flag(open_only))
        return [listing for flat in found if (listing := _listing(flat)) is not None]

    async def quick_seat(self, game: str, settings_key: str, max_players: int,
                         candidates: Sequence[str], spec: str = "") -> QuickSeat:
        """Hold a seat in the fullest open public room of ``game`` with these settings, or in a
        new placeholder room on the first live node of ``candidates``.

        :param max_players: seats of a new room.
        :param candidates: node ids to open a new room on, best first
            (``NodeRegistry.ranked``).
        :param spec: what the owner needs to create a new room (e.g. the request as JSON).

        Raises ``ProtocolError("server_full")`` when no candidate node is alive.
        """
        hold = new_hold_id()
        while True:
            answer = await self._run("QUICK_SEAT", game, settings_key, max_players, hold,
                                     self.hold_ms, self.opening_ms, *_new_room(), spec,
                                     *candidates)
            outcome = answer[0]
            if outcome == "no_node":
                raise ProtocolError("server_full", "No live server can open a room")
            if outcome != "code_taken":
                _, room_id, node, code = answer
                return QuickSeat(room_id, node, code, hold, opened=outcome == "open")

    async def reserve(self, room_id: str) -> tuple[RoomListing, str]:
        """Hold a seat in a live room (joining by code or id): its listing and the hold id.

        Raises ``ProtocolError("room_not_found")`` or ``ProtocolError("room_full")``.
        """
        hold = new_hold_id()
        answer = await self._run("RESERVE", room_id, hold, self.hold_ms)
        if answer[0] == "not_found":
            raise ProtocolError("room_not_found")
        if answer[0] == "full":
            raise ProtocolError("room_full")
        listing = _listing(answer[1])
        assert listing is not None
        return listing, hold

    def seated(self, room_id: str, hold: str) -> None:
        """Note that a holder took its seat; no Redis call (the next ``update`` carries it)."""
        self._seated.setdefault(room_id, []).append(hold)

    async def opening(self, room_id: str) -> OpeningRoom | None:
        """The placeholder this node has to create for a quick-join holder, if still there."""
        flat = await self._run("OPENING", room_id)
        if not flat:
            return None
        fields = _fields(flat)
        return OpeningRoom(fields["id"], fields["code"], fields["game"],
                           int(fields["max_players"]), fields["skey"], fields["spec"],
                           fields["node"])

    async def restore(self, listings: Iterable[RoomListing]) -> None:
        """Claim this node's rooms again (after Redis lost them), in one round trip."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for listing in listings:
                await self._scripts["CLAIM"](
                    args=[self.keys.prefix, listing.id, listing.code, listing.game,
                          _flag(listing.public), listing.players, listing.max_players,
                          listing.spectators, _flag(listing.started), listing.node,
                          self._settings_keys.get(listing.id, "")],
                    client=pipe)
            await guarded(pipe.execute())

    def subscribe_listings(self) -> AsyncIterator[ListingEvent]:
        """Changes of public listings cluster-wide, across Redis restarts (see
        ``listing_feed.listing_events``)."""
        return listing_events(self.redis, self.keys.listings)

    async def _run(self, script: str, *args: Any) -> Any:
        return await guarded(self._scripts[script](args=[self.keys.prefix, *args]))


def _new_room() -> tuple[str, str]:
    return new_room_id(), new_join_code(LIMITS.code_length)


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _fields(flat: Sequence[str]) -> dict[str, str]:
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _listing(flat: Sequence[str] | None) -> RoomListing | None:
    if not flat:
        return None
    fields = _fields(flat)
    return RoomListing(
        id=fields["id"], code=fields["code"], game=fields["game"],
        public=fields["public"] == "1", players=int(fields["players"]),
        max_players=int(fields["max_players"]), spectators=int(fields["spectators"]),
        started=fields["started"] == "1", node=fields["node"],
    )
