"""``RoomEvents``: the ``RoomListener`` that turns what rooms report into domain events.

It hears every room after the lobby (``Lobby(observer=...)``) and emits ``room.created``,
``room.started``, ``player.joined``, ``player.resumed``, ``player.left``, the game's own
``<game>.<kind>`` events and ``room.ended`` to the ``EventLog``, numbering each room's events
1, 2, 3... (``roomseq``). It keeps, per open room, that counter, when the room opened and every
player who held a seat, for ``room.ended``'s player list.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from server.events import model
from server.events.model import EventLog

if TYPE_CHECKING:
    from server.room import Room
    from server.roster import Member

log = logging.getLogger(__name__)

GAME_EVENT_KIND = re.compile(r"[a-z][a-z0-9_]{0,31}")
MAX_GAME_EVENT_BYTES = 4096
LEFT_REASONS = {"left": "leave", "dropped": "drop", "kicked": "kick",
                "seat_expired": "seat_expired"}  # "replaced": the seat goes on, no event


@dataclass(slots=True)
class _Trail:
    """What ``RoomEvents`` remembers of one open room."""

    source: str
    opened: float
    sequence: int = 0
    players: dict[int, str] = field(default_factory=dict)  # everyone seated, by player id
    warned: bool = False


class RoomEvents:
    """Room notifications in, events out (see the module docstring).

    :param events: where events go.
    """

    def __init__(self, events: EventLog) -> None:
        self.events = events
        self.game_events_dropped = 0
        self._trails: dict[str, _Trail] = {}

    def opened(self, room: Room) -> None:
        """``room.created``."""
        self._trails[room.id] = _Trail(f"{self.events.source}/rooms/{room.id}",
                                       time.monotonic())
        options = room.options
        self._emit(room, model.ROOM_CREATED, {
            "game": room.game_class.name, "code": room.code, "public": options.public,
            "max_players": options.max_players, "max_spectators": options.max_spectators,
            "tick_rate": options.tick_rate, "settings": dict(room.settings)})

    def started(self, room: Room) -> None:
        """``room.started``."""
        self._emit(room, model.ROOM_STARTED, {"game": room.game_class.name})

    def member_joined(self, room: Room, member: Member, resumed: bool) -> None:
        """``player.joined`` or ``player.resumed``."""
        trail = self._trails.get(room.id)
        if trail is not None and member.player is not None:
            trail.players[member.player.id] = member.name
        self._emit(room, model.PLAYER_RESUMED if resumed else model.PLAYER_JOINED,
                   _member(member))

    def member_left(self, room: Room, sid: str | None, member: Member | None, reason: str
                    ) -> None:
        """``player.left`` with its reason (``leave``, ``drop``, ``kick``, ``seat_expired``)."""
        if member is not None and reason in LEFT_REASONS:
            self._emit(room, model.PLAYER_LEFT, _member(member) | {
                "reason": LEFT_REASONS[reason]})

    def listing_changed(self, room: Room) -> None:
        """Not an event."""

    def game_event(self, room: Room, kind: str, data: Mapping[str, Any]) -> None:
        """``<game>.<kind>``, if ``kind`` is well formed and ``data`` a small JSON object."""
        problem = _game_event_problem(kind, data)
        if problem is None:
            try:
                copy = json.loads(text := json.dumps(data, allow_nan=False))
                if len(text) > MAX_GAME_EVENT_BYTES:
                    problem = f"it takes {len(text)} bytes (at most {MAX_GAME_EVENT_BYTES})"
            except (TypeError, ValueError, RecursionError) as error:
                problem = f"its data is not JSON: {error}"
        if problem is not None:
            self._drop_game_event(room, kind, problem)
            return
        self._emit(room, f"{room.game_class.name}.{kind}", copy)

    def closed(self, room: Room, code: str, sids: list[str]) -> None:
        """``room.ended``: the reason, how long the room ran, every player who held a seat
        (with the game's scores) and the winner."""
        trail = self._trails.get(room.id)
        if trail is None:
            return
        result = room.result
        scores = result.scores if result is not None else {}
        seated = {m.player.id for m in room.roster.players() if m.player is not None}
        names = trail.players
        players = [{"player_id": pid, "name": names[pid], "score": scores.get(pid),
                    "present": pid in seated} for pid in sorted(names)]
        winner = result.winner if result is not None else None
        self._emit(room, model.ROOM_ENDED, {
            "game": room.game_class.name, "public": room.options.public, "reason": code,
            "started": room.started, "ticks": room.tick,
            "duration": round(time.monotonic() - trail.opened, 3), "players": players,
            "winner": {"player_id": winner, "name": names[winner]}
            if winner is not None and winner in names else None})
        del self._trails[room.id]

    def _emit(self, room: Room, type: str, data: Mapping[str, Any]) -> None:
        trail = self._trails.get(room.id)
        if trail is None:  # a room this producer never saw open
            return
        trail.sequence += 1
        self.events.emit(type, room.id, data, source=trail.source, sequence=trail.sequence,
                         public=room.options.public)

    def _drop_game_event(self, room: Room, kind: str, problem: str) -> None:
        self.game_events_dropped += 1
        trail = self._trails.get(room.id)
        if trail is not None and not trail.warned:
            trail.warned = True
            log.warning("room %s: game event %.40r dropped (%s); later drops are only counted",
                        room.id, kind, problem)


def _member(member: Member) -> dict[str, Any]:
    return {"player_id": member.player.id if member.player is not None else None,
            "name": member.name, "spectator": member.spectator}


def _game_event_problem(kind: object, data: object) -> str | None:
    if not isinstance(kind, str) or not GAME_EVENT_KIND.fullmatch(kind):
        return "its kind is not 1-32 lowercase letters, digits and _"
    if not isinstance(data, Mapping):
        return "its data is not a mapping"
    return None
