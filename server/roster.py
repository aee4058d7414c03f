"""Who is in a room: players and spectators, held seats, the host, reconnection tokens, bans.

A player who drops without leaving keeps the seat for ``seat_grace`` seconds: the entity
stays in the game and the seat can be resumed with the reconnection token handed out at join.
Each token works once; resuming hands out a new one. Leaving, being kicked or letting the
grace period run out releases the seat, and its token with it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from server.codes import new_token
from server.games.base import Player
from server.inputs import InputQueue
from shared.protocol import ProtocolError


@dataclass(slots=True)
class Member:
    """A connection in a room: a player (with inputs and a seat token) or a spectator.

    ``sid`` is None while a dropped player's seat is held. An ``observer`` is a spectator
    let in by the server's operators (the monitor): uncounted and never refused for space.
    """

    sid: str | None
    name: str
    player: Player | None
    inputs: InputQueue | None
    token: str = ""
    held_until: float = 0.0
    observer: bool = False

    @property
    def spectator(self) -> bool:
        """Spectators watch; they have no player and send no input."""
        return self.player is None

    @property
    def seated(self) -> Player:
        """The player of a member known to hold a seat (never a spectator)."""
        if self.player is None:
            raise ValueError(f"{self.name} is a spectator, not on a seat")
        return self.player


@dataclass(slots=True)
class RosterChanges:
    """What the game must hear about at the next tick."""

    left: list[Player] = field(default_factory=list)
    joined: list[Player] = field(default_factory=list)
    dropped: list[Player] = field(default_factory=list)
    resumed: list[Player] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RosterLimits:
    """Capacity and timing of a roster."""

    max_players: int
    max_spectators: int
    max_inputs_per_tick: int
    seat_grace: float


class Roster:
    """The members of one room.

    :param room_id: prefix of every token, so a token is useless for any other room.
    :param limits: capacity and seat grace period.
    :param new_id: gives fresh player ids.
    """

    def __init__(self, room_id: str, limits: RosterLimits, new_id: Callable[[], int]) -> None:
        self.room_id = room_id
        self.limits = limits
        self.new_id = new_id
        self.connected: dict[str, Member] = {}
        self.held: dict[int, Member] = {}
        self.host_id: int | None = None
        self.changed = True
        self._banned: set[str] = set()
        self._changes = RosterChanges()

    # -- counts and views ---------------------------------------------------------------------

    @property
    def player_count(self) -> int:
        """Seats taken, held ones included."""
        return sum(1 for m in self.connected.values() if not m.spectator) + len(self.held)

    @property
    def spectator_count(self) -> int:
        """Connected spectators (observers not counted)."""
        return sum(1 for m in self.connected.values() if m.spectator and not m.observer)

    @property
    def empty(self) -> bool:
        """Nobody connected and no seat held."""
        return not self.connected and not self.held

    def players(self) -> Iterator[Member]:
        """Every seated member, connected first."""
        yield from (m for m in self.connected.values() if not m.spectator)
        yield from self.held.values()

    def view(self) -> list[dict[str, Any]]:
        """Players as shown in room info, in joining order."""
        seated = sorted(self.players(), key=lambda m: m.seated.id)
        return [{"id": m.seated.id, "name": m.name, "connected": m.sid is not None}
                for m in seated]

    def seat(self, player_id: int) -> Member | None:
        """The member on player ``player_id``'s seat, connected or held."""
        held = self.held.get(player_id)
        if held is not None:
            return held
        return next((m for m in self.connected.values()
                     if m.player is not None and m.player.id == player_id), None)

    def sid_of(self, player_id: int) -> str | None:
        """The connection of player ``player_id``, or None while its seat is held (or gone)."""
        member = self.seat(player_id)
        return member.sid if member is not None else None

    def is_host(self, sid: str) -> bool:
        """True when ``sid`` holds the host's seat."""
        member = self.connected.get(sid)
        return member is not None and member.player is not None and (
            member.player.id == self.host_id)

    def take_changes(self) -> RosterChanges:
        """What happened to players since the last call (the game hears it at tick time)."""
        changes, self._changes = self._changes, RosterChanges()
        return changes

    # -- membership ---------------------------------------------------------------------------

    def admit(self, sid: str, name: str, spectate: bool, observer: bool = False) -> Member:
        """Add a connection as player, spectator or (``observer``) uncounted spectator."""
        if sid in self._banned:
            raise ProtocolError("kicked", "You were kicked from this room")
        if observer:
            member = Member(sid, name, None, None, observer=True)
        elif spectate:
            if self.spectator_count >= self.limits.max_spectators:
                raise ProtocolError("spectators_full")
            member = Member(sid, name, None, None)
        else:
            if self.player_count >= self.limits.max_players:
                raise ProtocolError(
                    "room_full", f"The room is full ({self.limits.max_players} players)")
            player = Player(self.new_id(), name)
            member = Member(sid, name, player, InputQueue(self.limits.max_inputs_per_tick),
                            token=self._new_token())
            self._changes.joined.append(player)
            if self.host_id is None:
                self.host_id = player.id
        self.connected[sid] = member
        self.changed = True
        return member

    def remove(self, sid: str) -> Member | None:
        """A connection leaves for good; its seat (if any) is released."""
        member = self.connected.pop(sid, None)
        if member is not None:
            self._release(member)
        return member

    def drop(self, sid: str, now: float) -> Member | None:
        """A connection was lost: hold a player's seat, remove a spectator."""
        member = self.connected.pop(sid, None)
        if member is None:
            return None
        if member.player is None or self.limits.seat_grace <= 0:
            self._release(member)
            return member
        member.sid = None
        member.held_until = now + self.limits.seat_grace
        self.held[member.player.id] = member
        self._changes.dropped.append(member.player)
        self.changed = True
        return member

    def resume(self, sid: str, token: str, now: float) -> tuple[Member, str | None]:
        """Give the seat of ``token`` to connection ``sid``, with a fresh token.

        Returns the member and the connection it was taken from, if it was still connected
        (a client that reconnects before the server noticed the drop).
        """
        member = self._by_token(token)
        if member is None or (member.sid is None and member.held_until <= now):
            raise ProtocolError("seat_expired")
        previous = member.sid
        if previous is not None:
            del self.connected[previous]
        else:
            del self.held[member.seated.id]
            self._changes.resumed.append(member.seated)
        member.sid = sid
        member.token = self._new_token()
        if member.inputs is not None:
            member.inputs.restart()
        self.connected[sid] = member
        self.changed = True
        return member, previous

    def expire(self, now: float) -> list[Member]:
        """Release held seats whose grace period is over."""
        expired = [m for m in self.held.values() if m.held_until <= now]
        for member in expired:
            del self.held[member.seated.id]
            self._release(member)
        return expired

    def kick(self, by_sid: str | None, player_id: int) -> Member:
        """The host (``by_sid``; None: the server's admin) removes a player for good: seat,
        token and the way back are gone."""
        if by_sid is not None and not self.is_host(by_sid):
            raise ProtocolError("not_host")
        target = self.seat(player_id)
        if target is None or (by_sid is not None and target.sid == by_sid):
            raise ProtocolError("player_not_found")
        if target.sid is not None:
            self._banned.add(target.sid)
            del self.connected[target.sid]
        else:
            del self.held[player_id]
        self._release(target)
        return target

    def _release(self, member: Member) -> None:
        member.token = ""
        if member.player is not None:
            if member.player in self._changes.joined:
                self._changes.joined.remove(member.player)
            else:
                self._changes.left.append(member.player)
            if member.player.id == self.host_id:
                self.host_id = next((m.seated.id for m in self.players()), None)
        self.changed = True

    def _new_token(self) -> str:
        return f"{self.room_id}.{new_token()}"

    def _by_token(self, token: str) -> Member | None:
        for member in self.players():
            if member.token and secrets.compare_digest(member.token, token):
                return member
        return None
