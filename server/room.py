"""One game room: members, input queues, the tick loop and the broadcast.

A room never touches sockets directly: it talks to a ``Dispatcher`` (one broadcast per tick,
sends to one member, Socket.IO room membership), which the gateway implements.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from server.clock import FixedStepClock
from server.games.base import Game, Player
from server.inputs import InputQueue
from server.metrics import EngineStats
from server.sync import StateSync
from shared.protocol import ERROR_MESSAGES, EVENTS, LIMITS, ProtocolError

log = logging.getLogger(__name__)


class Dispatcher(Protocol):
    """What a room needs from the network: four verbs, all addressed by Socket.IO ids."""

    async def broadcast(self, room_id: str, event: str, payload: Any) -> None:
        """Send one event to every member of a room (encoded once)."""

    async def send(self, sid: str, event: str, payload: Any) -> None:
        """Send one event to one connection."""

    async def enter(self, sid: str, room_id: str) -> None:
        """Add a connection to a room's broadcast group."""

    async def exit(self, sid: str, room_id: str) -> None:
        """Remove a connection from a room's broadcast group."""


@dataclass(slots=True)
class Member:
    """A connection in a room: a player (with an entity and inputs) or a spectator."""

    sid: str
    name: str
    player: Player | None
    inputs: InputQueue | None

    @property
    def spectator(self) -> bool:
        """Spectators watch; they have no player and send no input."""
        return self.player is None


@dataclass(slots=True)
class RoomOptions:
    """How a room was created.

    :param public: listed and quick-joinable; private rooms are reached by code only.
    :param max_players: seats for players.
    :param max_spectators: places for spectators.
    :param tick_rate: ticks per second.
    :param max_inputs_per_tick: inputs one player may queue per tick.
    :param empty_grace: seconds an empty room lives on before it closes.
    :param autostart: start the game as soon as the room exists (quick-play rooms).
    """

    public: bool = False
    max_players: int = 8
    max_spectators: int = 8
    tick_rate: int = 20
    max_inputs_per_tick: int = LIMITS.max_inputs_per_tick
    empty_grace: float = 10.0
    autostart: bool = False
    settings: dict[str, Any] = field(default_factory=dict)


class Room:
    """A running room. Create it, then ``launch()`` its tick loop; ``close()`` ends it.

    :param room_id: unguessable id.
    :param code: human join code.
    :param game_class: the rules to run.
    :param options: see ``RoomOptions``; ``options.settings`` must already be validated.
    :param dispatcher: the network side.
    :param stats: the process-wide counters this room adds to.
    :param on_closed: called once with the room and its last members' ids after it closes.
    """

    def __init__(
        self,
        room_id: str,
        code: str,
        game_class: type[Game],
        options: RoomOptions,
        dispatcher: Dispatcher,
        stats: EngineStats,
        on_closed: Callable[[Room, list[str]], None],
    ) -> None:
        self.id = room_id
        self.code = code
        self.game_class = game_class
        self.options = options
        self.dispatcher = dispatcher
        self.on_closed = on_closed
        self.settings = dict(options.settings)
        self.rng = random.Random()
        self.stats = stats
        self.clock = FixedStepClock(options.tick_rate, stats.clock)
        self.tick = 0
        self.members: dict[str, Member] = {}
        self.host_sid: str | None = None
        self.started = False
        self.closed = False
        self.acks: dict[int, int] = {}
        self._last_id = 0
        self._joining: list[Player] = []
        self._leaving: list[Player] = []
        self._banned: set[str] = set()
        self._info_dirty = True
        self._status: dict[str, Any] = {}
        self._empty_since: float | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed_event = asyncio.Event()
        self.game = self._new_game()
        self.sync = StateSync(game_class.entity_schema)

    # -- lifecycle ---------------------------------------------------------------------------

    def launch(self) -> None:
        """Start the tick loop on the running event loop."""
        self._empty_since = asyncio.get_running_loop().time()
        if self.options.autostart:
            self.started = True
            self.game.start()
        self._task = asyncio.create_task(self._run(), name=f"room-{self.id}")

    async def close(self, code: str = "room_closed") -> None:
        """End the room: tell every member why, release them, stop ticking."""
        if self.closed:
            return
        self.closed = True
        sids = list(self.members)
        await self.dispatcher.broadcast(
            self.id, EVENTS.closed, {"code": code, "message": ERROR_MESSAGES[code]}
        )
        for sid in sids:
            await self.dispatcher.exit(sid, self.id)
        self.members.clear()
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()
        self._closed_event.set()
        self.on_closed(self, sids)

    async def wait_closed(self) -> None:
        """Return once the room has closed."""
        await self._closed_event.wait()

    async def _run(self) -> None:
        try:
            async for _lateness in self.clock.ticks():
                began = time.perf_counter()
                message = self._tick()
                await self.dispatcher.broadcast(self.id, EVENTS.state, message)
                self.stats.observe_tick(time.perf_counter() - began)
                status = self.game.status()
                if self._info_dirty or status != self._status:
                    self._status = status
                    self._info_dirty = False
                    await self.dispatcher.broadcast(self.id, EVENTS.room, self.info())
                if self._expired():
                    await self.close("room_closed")
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("room %s: game failed at tick %d; closing the room", self.id, self.tick)
            await self.close("game_error")

    def _expired(self) -> bool:
        if self.members or self._empty_since is None:
            return False
        now = asyncio.get_running_loop().time()
        return now - self._empty_since >= self.options.empty_grace

    # -- the tick ----------------------------------------------------------------------------

    def _tick(self) -> list[Any]:
        self.tick += 1
        departed = self._apply_membership()
        self._apply_inputs()
        self.game.step(self.tick)
        return self.sync.advance(self.tick, self.game.entities, self.acks, departed)

    def _apply_membership(self) -> list[int]:
        departed = []
        for player in self._leaving:
            self.game.leave(player)
            self.acks.pop(player.id, None)
            departed.append(player.id)
        for player in self._joining:
            self.game.join(player)
        self._leaving.clear()
        self._joining.clear()
        return departed

    def _apply_inputs(self) -> None:
        counters = self.stats.inputs
        apply = self.game.apply
        for member in self.members.values():
            queue = member.inputs
            if queue is None or not queue.pending:
                continue
            for seq, values in queue.pending:
                try:
                    apply(member.player, values)
                    counters.applied += 1
                except Exception:
                    counters.failed += 1
                    log.exception("room %s: input %d of player %d failed; dropped",
                                  self.id, seq, member.player.id)
                queue.acked = seq
            queue.pending.clear()
            self.acks[member.player.id] = queue.acked

    # -- membership --------------------------------------------------------------------------

    def new_id(self) -> int:
        """A fresh id, unique in this room, for a player or an entity."""
        self._last_id += 1
        return self._last_id

    @property
    def player_count(self) -> int:
        """Members who play."""
        return sum(1 for m in self.members.values() if not m.spectator)

    @property
    def spectator_count(self) -> int:
        """Members who watch."""
        return len(self.members) - self.player_count

    def admit(self, sid: str, name: str, spectate: bool) -> Member:
        """Add a connection as player or spectator; the game sees the player next tick."""
        if self.closed:
            raise ProtocolError("room_closed")
        if sid in self._banned:
            raise ProtocolError("kicked", "You were kicked from this room")
        if spectate:
            if self.spectator_count >= self.options.max_spectators:
                raise ProtocolError("spectators_full")
            member = Member(sid, name, None, None)
        else:
            if self.player_count >= self.options.max_players:
                raise ProtocolError(
                    "room_full", f"The room is full ({self.options.max_players} players)"
                )
            player = Player(self.new_id(), name)
            member = Member(sid, name, player, InputQueue(self.options.max_inputs_per_tick))
            self._joining.append(player)
            if self.host_sid is None:
                self.host_sid = sid
        self.members[sid] = member
        self._empty_since = None
        self._info_dirty = True
        return member

    def remove(self, sid: str) -> Member | None:
        """Take a connection out of the room; the game sees the player leave next tick."""
        member = self.members.pop(sid, None)
        if member is None:
            return None
        if member.player is not None:
            if member.player in self._joining:
                self._joining.remove(member.player)
            else:
                self._leaving.append(member.player)
        if sid == self.host_sid:
            self.host_sid = next(
                (m.sid for m in self.members.values() if not m.spectator), None
            )
        if not self.members:
            self._empty_since = asyncio.get_running_loop().time()
        self._info_dirty = True
        return member

    def enqueue(self, member: Member, message: Any) -> None:
        """Validate one input message and queue it for the next tick."""
        if member.inputs is None:
            raise ProtocolError("spectator_input")
        try:
            seq, values = self.game.input_schema.parse(message, LIMITS.max_seq)
        except ProtocolError:
            self.stats.inputs.invalid += 1
            raise
        member.inputs.offer(seq, values, self.stats.inputs)

    # -- host controls -----------------------------------------------------------------------

    def _require_host(self, sid: str) -> None:
        if sid != self.host_sid:
            raise ProtocolError("not_host")

    def kick(self, by_sid: str, player_id: int) -> Member:
        """Host removes a player; the kicked connection cannot come back to this room."""
        self._require_host(by_sid)
        target = next(
            (m for m in self.members.values() if m.player and m.player.id == player_id), None
        )
        if target is None or target.sid == by_sid:
            raise ProtocolError("player_not_found")
        self._banned.add(target.sid)
        self.remove(target.sid)
        return target

    def change_settings(self, by_sid: str, changes: Any) -> None:
        """Host changes game settings before the start; the world restarts with them."""
        self._require_host(by_sid)
        if self.started:
            raise ProtocolError("already_started")
        self.settings = self.game_class.settings_schema.merge(self.settings, changes)
        self.game = self._new_game()
        self._leaving.clear()
        self._joining = [m.player for m in self.members.values() if m.player is not None]
        self._info_dirty = True

    def start(self, by_sid: str) -> None:
        """Host starts the game."""
        self._require_host(by_sid)
        if self.started:
            raise ProtocolError("already_started")
        self.started = True
        self.game.start()
        self._info_dirty = True

    def _new_game(self) -> Game:
        return self.game_class(self.settings, self.new_id, self.rng, self.clock.dt)

    # -- views -------------------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        """What members see of the room (sent on join and whenever it changes)."""
        host = self.members.get(self.host_sid) if self.host_sid else None
        return {
            "id": self.id,
            "code": self.code,
            "game": self.game_class.name,
            "public": self.options.public,
            "host": host.player.id if host and host.player else None,
            "max_players": self.options.max_players,
            "max_spectators": self.options.max_spectators,
            "players": [
                {"id": m.player.id, "name": m.name}
                for m in self.members.values() if m.player is not None
            ],
            "spectators": self.spectator_count,
            "settings": self.settings,
            "started": self.started,
            "status": self.game.status(),
            "tick_rate": self.options.tick_rate,
        }

    def welcome(self, member: Member) -> dict[str, Any]:
        """The join answer: the room, who you are, how to read entities, and a keyframe."""
        game = self.game_class
        return {
            "room": self.info(),
            "player_id": member.player.id if member.player else None,
            "schema": game.entity_schema.describe(),
            "inputs": game.input_schema.describe(),
            "settings_schema": game.settings_schema.describe(),
            "keyframe": self.sync.keyframe(),
        }
