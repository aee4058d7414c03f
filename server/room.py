"""One game room: its game, its members, the tick loop, inputs, host controls, the broadcast.

The room owns its membership end to end: it admits, resumes, drops, removes and kicks members,
enters and exits them from its Socket.IO room through its ``Dispatcher`` (the only code that
does), and tells its ``RoomListener`` (the lobby and the room events producer) about every
change: that it runs and started, who joined, who lost their place and why, that its directory
listing changed, its game's own events, that it closed and how the game came out (both
interfaces in ``server.interfaces``). A room never touches sockets: ``SocketDispatcher`` in
``server/net/dispatcher.py`` is its network side.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from server.clock import FixedStepClock
from server.games.base import Game, GameResult, JoinRequest
from server.interest import CellSync
from server.interfaces import Dispatcher, RoomListener
from server.logs import in_room
from server.messages import Mailbox, Published
from server.metrics import EngineStats
from server.room_stats import RoomStats
from server.roster import Member, Roster, RosterLimits
from server.sync import StateSync
from shared.protocol import ERROR_MESSAGES, EVENTS, LIMITS, ProtocolError

log = logging.getLogger(__name__)

MAX_REFUSAL_LENGTH = 100  # characters of a game's join refusal sent to the client


@dataclass(slots=True)
class RoomOptions:
    """How a room was created (the lobby fills it from the request and the server config).

    :param public: listed and quick-joinable; private rooms are reached by code only.
    :param max_players: seats for players.
    :param max_spectators: places for spectators.
    :param tick_rate: ticks per second.
    :param max_inputs_per_tick: inputs one player may queue per tick.
    :param empty_grace: seconds an empty room lives on before it closes.
    :param seat_grace: seconds a dropped player's seat is held for a reconnect.
    :param autostart: start the game as soon as the room exists (quick-play rooms).
    """

    public: bool
    max_players: int
    max_spectators: int
    tick_rate: int
    max_inputs_per_tick: int
    empty_grace: float
    seat_grace: float
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
    :param listener: hears about the start, membership and listing changes, the game's
        events, and the close.
    """

    def __init__(
        self,
        room_id: str,
        code: str,
        game_class: type[Game],
        options: RoomOptions,
        dispatcher: Dispatcher,
        stats: EngineStats,
        listener: RoomListener,
    ) -> None:
        self.id = room_id
        self.code = code
        self.game_class = game_class
        self.options = options
        self.dispatcher = dispatcher
        self.listener = listener
        self.settings = dict(options.settings)
        self.rng = random.Random()
        self.stats = stats
        self.clock = FixedStepClock(options.tick_rate, stats.clock)
        self.counters = RoomStats()
        self.tick = 0
        self.started = False
        self.closed = False
        self.result: GameResult | None = None  # the game's, once closed
        self.acks: dict[int, int] = {}
        # a fresh id, unique in this room, for a player or an entity (not a bound method of
        # the room, so the game and roster holding it make no reference cycle with the room)
        self.new_id: Callable[[], int] = itertools.count(1).__next__
        self.roster = Roster(room_id, RosterLimits(
            options.max_players, options.max_spectators, options.max_inputs_per_tick,
            options.seat_grace), self.new_id)
        self._status: dict[str, Any] = {}
        self._rebuild = False
        self._empty_since: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing: asyncio.Future[None] | None = None
        self._closed_event = asyncio.Event()
        self.mailbox = Mailbox(room_id, stats.messages)
        self.published = Published()  # the game's events, announced after each tick
        self.game = self._new_game()
        grid = game_class.interest
        self.sync: StateSync | CellSync = (
            StateSync(game_class.entity_schema) if grid is None
            else CellSync(game_class.entity_schema, grid))

    # -- lifecycle ---------------------------------------------------------------------------

    def launch(self) -> None:
        """Start ticking on the running event loop."""
        self._loop = asyncio.get_running_loop()
        self._empty_since = self._now()
        self.listener.opened(self)
        if self.options.autostart:
            self.started = True
            self.game.start()
            self.listener.started(self)
        self.clock.start(self._on_tick)

    async def close(self, code: str = "room_closed") -> None:
        """End the room: stop ticking, let the game end and give its result, tell every
        member why, release them. Only the first call does anything."""
        if self.closed:
            return
        self.closed = True
        self.clock.stop()
        try:
            self.game.end(code)
        except Exception:
            log.exception("room %s: the game's end hook failed", self.id, extra=in_room(self.id))
        try:
            self.result = self.game.result()
        except Exception:
            log.exception("room %s: the game's result hook failed", self.id,
                          extra=in_room(self.id))
        self._deliver_messages()
        self._announce_game_events()
        sids = list(self.roster.connected)
        self.dispatcher.broadcast(
            self.id, EVENTS.closed, {"code": code, "message": ERROR_MESSAGES[code]}
        )
        self.listener.closed(self, code, sids)
        for sid in sids:
            await self.dispatcher.exit(sid, self.id)
        self._closed_event.set()

    async def wait_closed(self) -> None:
        """Return once the room has closed."""
        await self._closed_event.wait()

    def _on_tick(self, lateness: float) -> None:
        began = time.perf_counter()
        try:
            self._tick()
            sent = self._publish_info()  # first, so names are known when entities arrive
            sent += self.sync.deliver(self.dispatcher, self.id, self.roster.connected)
            if self.mailbox.pending:
                self._deliver_messages()
            if self.published.pending:
                self._announce_game_events()
        except Exception:
            log.exception("room %s: game failed at tick %d; closing the room", self.id, self.tick,
                          extra=in_room(self.id))
            self._close_soon("game_error")
            return
        duration = time.perf_counter() - began
        self.stats.observe_tick(duration)
        self.counters.record(duration, lateness > self.clock.dt / 4, sent)
        if self._expired():
            self._close_soon("room_closed")

    def _close_soon(self, code: str) -> None:
        self.clock.stop()
        self._closing = asyncio.ensure_future(self.close(code))

    def _deliver_messages(self) -> None:
        self.mailbox.deliver(self.dispatcher, self.id, self.roster.sid_of)

    def _publish_info(self) -> int:
        """Send the room info when it changed; the bytes sent."""
        status = self.game.status()
        if not self.roster.changed and status == self._status:
            return 0
        self._status = status
        self.roster.changed = False
        return self.dispatcher.broadcast(self.id, EVENTS.room, self.info())

    def _expired(self) -> bool:
        if not self.roster.empty:
            self._empty_since = None
            return False
        now = self._now()
        if self._empty_since is None:
            self._empty_since = now
        return now - self._empty_since >= self.options.empty_grace

    def _now(self) -> float:
        assert self._loop is not None, "launch() first"
        return self._loop.time()

    # -- the tick ----------------------------------------------------------------------------

    def _tick(self) -> None:
        self.tick += 1
        departed = self._apply_membership()
        self._apply_inputs()
        self.game.step(self.tick)
        self.sync.advance(self.tick, self.game.entities, self.acks, departed)

    def _apply_membership(self) -> list[int]:
        if self.roster.held and (expired := self.roster.expire(self._now())):
            for member in expired:
                self.listener.member_left(self, None, member, "seat_expired")
            self.listener.listing_changed(self)
        changes = self.roster.take_changes()
        for player in changes.left:
            self.acks.pop(player.id, None)
        if self._rebuild:
            self._rebuild_game()
            return [player.id for player in changes.left]
        game = self.game
        for player in changes.joined:
            game.join(player)
        for player in changes.dropped:
            game.disconnect(player)
        for player in changes.resumed:
            game.reconnect(player)
        for player in changes.left:
            game.leave(player)
        return [player.id for player in changes.left]

    def _rebuild_game(self) -> None:
        """A fresh world with the current settings and every seated player in it."""
        self._rebuild = False
        game = self.game = self._new_game()
        if self.started:
            game.start()
        for member in self.roster.players():
            game.join(member.seated)
            if member.sid is None:
                game.disconnect(member.seated)

    def _apply_inputs(self) -> None:
        counters = self.stats.inputs
        apply = self.game.apply
        for member in self.roster.connected.values():
            queue, player = member.inputs, member.player
            if queue is None or player is None or not queue.pending:
                continue
            for seq, values in queue.pending:
                try:
                    apply(player, values)
                    counters.applied += 1
                except Exception:
                    counters.failed += 1
                    log.exception("room %s: input %d of player %d failed; dropped",
                                  self.id, seq, player.id, extra=in_room(self.id, player.id))
                queue.acked = seq
            queue.pending.clear()
            self.acks[player.id] = queue.acked

    def enqueue(self, sid: str, message: Any) -> None:
        """Validate one input message of connection ``sid`` and queue it for the next tick.
        Never waits, so inputs keep their arrival order."""
        member = self.roster.connected.get(sid)
        if member is None:
            raise ProtocolError("not_in_room", "Join a room before sending input")
        if member.inputs is None:
            raise ProtocolError("spectator_input")
        try:
            seq, values = self.game.input_schema.parse(message, LIMITS.max_seq)
        except ProtocolError:
            self.stats.inputs.invalid += 1
            member.inputs.received += 1
            member.inputs.dropped += 1
            raise
        member.inputs.offer(seq, values, self.stats.inputs)

    # -- membership --------------------------------------------------------------------------

    @property
    def player_count(self) -> int:
        """Seats taken (held seats included)."""
        return self.roster.player_count

    @property
    def spectator_count(self) -> int:
        """Members who watch."""
        return self.roster.spectator_count

    async def admit(self, sid: str, name: str, spectate: bool = False,
                    metadata: dict[str, Any] | None = None, observer: bool = False
                    ) -> dict[str, Any]:
        """Seat connection ``sid`` (display name ``name``) as player or spectator if the
        game's ``join_attempt`` agrees, given the client's validated ``metadata``; the game
        sees the player at the next tick. An ``observer`` (the operators' monitor) watches
        uncounted, without asking the game. Returns the welcome."""
        if self.closed:
            raise ProtocolError("room_closed")
        if not observer:
            self._ask_game(JoinRequest(name, spectate, metadata or {}))
        member = self.roster.admit(sid, name, spectate, observer)
        self.listener.listing_changed(self)
        return await self._seat(member, resumed=False)

    async def resume(self, sid: str, token: str) -> dict[str, Any]:
        """Put connection ``sid`` back on the seat of ``token`` (see ``Roster.resume``); a
        connection still on that seat is told it was replaced. Returns the welcome."""
        if self.closed:
            raise ProtocolError("seat_expired")
        member, previous = self.roster.resume(sid, token, self._now())
        if previous is not None:
            await self._evict(previous, member, "replaced")
        return await self._seat(member, resumed=True)

    async def leave(self, sid: str) -> None:
        """Connection ``sid`` leaves for good; its seat, if any, is released."""
        await self._release(sid, self.roster.remove(sid), "left")

    async def drop(self, sid: str) -> None:
        """Connection ``sid`` was lost: a player keeps the seat for a while."""
        await self._release(sid, self.roster.drop(sid, self._now()), "dropped")

    def _ask_game(self, request: JoinRequest) -> None:
        try:
            refusal = self.game.join_attempt(request)
        except Exception:
            log.exception("room %s: join_attempt failed; the join is refused", self.id,
                          extra=in_room(self.id))
            raise ProtocolError("join_refused") from None
        if refusal is not None:
            reason = refusal[:MAX_REFUSAL_LENGTH] if isinstance(refusal, str) else ""
            raise ProtocolError("join_refused", reason or None)

    async def _seat(self, member: Member, resumed: bool) -> dict[str, Any]:
        assert member.sid is not None
        self.listener.member_joined(self, member, resumed)
        await self.dispatcher.enter(member.sid, self.id)
        return self.welcome(member)

    async def _release(self, sid: str, member: Member | None, reason: str) -> None:
        if member is None or self.closed:
            return
        self.listener.member_left(self, sid, member, reason)
        self.listener.listing_changed(self)
        await self.dispatcher.exit(sid, self.id)

    async def _evict(self, sid: str, member: Member, code: str) -> None:
        """Tell connection ``sid`` it lost ``member``'s place (``kicked``, ``replaced``); take
        it out."""
        self.listener.member_left(self, sid, member, code)
        self.dispatcher.send(sid, EVENTS.closed, ProtocolError(code).to_wire() | {
            "room_id": self.id})
        await self.dispatcher.exit(sid, self.id)

    # -- host controls -----------------------------------------------------------------------

    def _require_host(self, sid: str) -> None:
        if not self.roster.is_host(sid):
            raise ProtocolError("not_host")

    async def kick(self, by_sid: str | None, player_id: int) -> None:
        """The host (``by_sid``; None: the server's admin) removes a player; that connection
        cannot come back to this room."""
        target = self.roster.kick(by_sid, player_id)
        self.listener.listing_changed(self)
        if target.sid is not None:
            await self._evict(target.sid, target, "kicked")
        else:
            self.listener.member_left(self, None, target, "kicked")

    def change_settings(self, by_sid: str, changes: Any) -> None:
        """Host changes game settings before the start; the world restarts with them at the
        next tick."""
        self._require_host(by_sid)
        if self.started:
            raise ProtocolError("already_started")
        self.settings = self.game_class.settings_schema.merge(self.settings, changes)
        self._rebuild = True
        self.roster.changed = True

    def start(self, by_sid: str | None) -> None:
        """The host (``by_sid``; None: the server's admin) starts the game."""
        if by_sid is not None:
            self._require_host(by_sid)
        if self.started:
            raise ProtocolError("already_started")
        self.started = True
        self.game.start()
        self.roster.changed = True
        self.listener.started(self)
        self.listener.listing_changed(self)

    def _new_game(self) -> Game:
        return self.game_class(self.settings, self.new_id, self.rng, self.clock.dt,
                               self.mailbox, self.published.append)

    def _announce_game_events(self) -> None:
        for kind, data in self.published.take():
            self.listener.game_event(self, kind, data)

    # -- views -------------------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        """What members see of the room (sent on join and whenever it changes)."""
        return {
            "id": self.id,
            "code": self.code,
            "game": self.game_class.name,
            "public": self.options.public,
            "host": self.roster.host_id,
            "max_players": self.options.max_players,
            "max_spectators": self.options.max_spectators,
            "players": self.roster.view(),
            "spectators": self.spectator_count,
            "settings": self.settings,
            "started": self.started,
            "status": self.game.status(),
            "tick_rate": self.options.tick_rate,
        }

    def welcome(self, member: Member) -> dict[str, Any]:
        """The join answer: the room, your seat and token, how to read state, a keyframe;
        with interest management, the grid (``interest``)."""
        game = self.game_class
        welcome = {
            "room": self.info(),
            "player_id": member.player.id if member.player else None,
            "token": member.token or None,
            "schema": game.entity_schema.describe(),
            "inputs": game.input_schema.describe(),
            "settings_schema": game.settings_schema.describe(),
            "keyframe": self._keyframe(member),
        }
        if game.interest is not None:
            welcome["interest"] = game.interest.describe()
        return welcome

    def keyframe(self, sid: str) -> list[Any]:
        """A fresh keyframe for connection ``sid`` (the ``sync`` request)."""
        member = self.roster.connected.get(sid)
        if member is None:
            raise ProtocolError("not_in_room")
        return self._keyframe(member)

    def _keyframe(self, member: Member) -> list[Any]:
        """The whole state, or with interest management the cells ``member`` sees."""
        assert member.sid is not None
        return self.sync.keyframe_for(member.sid, member.player.id if member.player else None)
