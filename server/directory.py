"""The room directory: where rooms are found by code or id, and how public ones are listed.

The lobby only talks to the ``RoomDirectory`` interface. ``MemoryDirectory`` serves one
process; a shared implementation (Redis) lets several processes find each other's rooms.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol


@dataclass(slots=True)
class RoomListing:
    """What the directory knows about a room."""

    id: str
    code: str
    game: str
    public: bool
    players: int
    max_players: int
    spectators: int
    started: bool
    node: str

    def public_view(self) -> dict[str, Any]:
        """The listing as shown to anyone browsing public rooms."""
        view = asdict(self)
        del view["node"]
        return view


def settings_key(settings: Mapping[str, Any]) -> str:
    """A short stable key for a room's settings: quick join only mixes equal settings."""
    canonical = json.dumps(settings, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class RoomDirectory(Protocol):
    """Register, find and list rooms."""

    async def claim(self, listing: RoomListing, settings_key: str = "") -> bool:
        """Register a new room; False when its code is already taken. ``settings_key``
        (``settings_key(room settings)``) files a public room for quick join where that
        matters (a shared directory)."""

    async def update(self, listing: RoomListing) -> None:
        """Replace the stored listing of a registered room."""

    async def remove(self, room_id: str) -> None:
        """Forget a room."""

    async def by_code(self, code: str) -> RoomListing | None:
        """The room with this join code."""

    async def by_id(self, room_id: str) -> RoomListing | None:
        """The room with this id."""

    async def public(self, game: str | None = None, limit: int = 100,
                     open_only: bool = False) -> list[RoomListing]:
        """Public rooms, optionally only of one game and only those with a free seat."""


class MemoryDirectory:
    """A ``RoomDirectory`` in this process's memory."""

    def __init__(self) -> None:
        self._by_id: dict[str, RoomListing] = {}
        self._by_code: dict[str, str] = {}

    async def claim(self, listing: RoomListing, settings_key: str = "") -> bool:
        if listing.code in self._by_code:
            return False
        self._by_code[listing.code] = listing.id
        self._by_id[listing.id] = listing
        return True

    async def update(self, listing: RoomListing) -> None:
        if listing.id in self._by_id:
            self._by_id[listing.id] = listing

    async def remove(self, room_id: str) -> None:
        listing = self._by_id.pop(room_id, None)
        if listing is not None:
            self._by_code.pop(listing.code, None)

    async def by_code(self, code: str) -> RoomListing | None:
        room_id = self._by_code.get(code)
        return self._by_id.get(room_id) if room_id else None

    async def by_id(self, room_id: str) -> RoomListing | None:
        return self._by_id.get(room_id)

    async def public(self, game: str | None = None, limit: int = 100,
                     open_only: bool = False) -> list[RoomListing]:
        rooms = (
            r for r in self._by_id.values()
            if r.public and (game is None or r.game == game)
            and not (open_only and r.players >= r.max_players)
        )
        return [r for _, r in zip(range(limit), rooms, strict=False)]
