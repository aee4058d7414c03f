"""Socket.IO handlers: check what arrives, call the lobby and rooms, answer through acks.

Every request event answers ``{"ok": true, ...}`` or ``{"ok": false, "code", "message"}``.
The input event has no acknowledgement (it is sent every tick): problems with it come back as
``error`` events, at most a few per second per connection.

Membership is the rooms' business: the gateway finds a connection's room with
``Lobby.room_of`` and asks the room to release, kick, start...; the room does the rest
(Socket.IO room enter/exit, telling the lobby, the directory listing). Seats are handed out by
a ``Seating`` (``server.seating``): this process's rooms, or a cluster's, where the answer may
be ``moved`` to another node.
"""

from __future__ import annotations

import contextlib
import secrets
import string
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import socketio

from server.admin.auth import Tickets
from server.config import ServerConfig
from server.lobby import Lobby, RoomRequest
from server.logs import LOG_PLAYER, LOG_ROOM, guarded
from server.net.inbound import NAMESPACE
from server.net.socketio_server import TickwireServer
from server.requests import Arg, Shape
from server.room import Room
from server.seating import LocalSeating, Seating
from server.sessions import Limiter, Session
from shared.protocol import (
    DEFAULTS,
    EVENTS,
    LIMITS,
    VERSION,
    Moved,
    ProtocolError,
    clean_name,
    normalize_code,
)

log = guarded(__name__)
TOKEN_ALPHABET = frozenset(string.ascii_letters + string.digits + "-_")

Action = Callable[..., Awaitable[dict[str, Any]]]

METADATA = Arg(dict, {}, max_length=LIMITS.max_metadata_chars,
               entries=LIMITS.max_metadata_entries, scalars=True)
CREATE = Shape(
    game=Arg(str, DEFAULTS.game, max_length=32),
    public=Arg(bool, False),
    max_players=Arg(int, DEFAULTS.max_players, 1, LIMITS.max_players),
    max_spectators=Arg(int, DEFAULTS.max_spectators, 0, LIMITS.max_spectators),
    tick_rate=Arg(int, 0, 0, LIMITS.max_tick_rate),
    settings=Arg(dict, {}),
    metadata=METADATA,
)
MAX_RESERVATION_LENGTH = 512
JOIN = Shape(
    code=Arg(str, "", max_length=32),
    room_id=Arg(str, "", max_length=32),
    reservation=Arg(str, "", max_length=MAX_RESERVATION_LENGTH),
    spectate=Arg(bool, False),
    metadata=METADATA,
    watch=Arg(str, "", max_length=MAX_RESERVATION_LENGTH),
)
QUICK_JOIN = Shape(game=Arg(str, DEFAULTS.game, max_length=32), settings=Arg(dict, {}),
                   max_players=Arg(int, DEFAULTS.max_players, 1, LIMITS.max_players),
                   metadata=METADATA)
LIST_ROOMS = Shape(game=Arg(str, "", max_length=32))
KICK = Shape(player_id=Arg(int, low=1, high=2**31))
SETTINGS = Shape(settings=Arg(dict))
RESUME = Shape(token=Arg(str, max_length=64))
NOTHING = Shape()


class Gateway:
    """Registers the handlers on ``sio`` and keeps the sessions.

    :param sio: the Socket.IO server.
    :param lobby: this process's rooms.
    :param config: limits.
    :param seating: hands out seats; default ``LocalSeating(lobby)``.
    :param tickets: checks the monitor's watch tickets (``join {watch}``); none: refused.
    """

    def __init__(self, sio: TickwireServer, lobby: Lobby, config: ServerConfig,
                 seating: Seating | None = None, tickets: Tickets | None = None) -> None:
        self.sio = sio
        self.lobby = lobby
        self.config = config
        self.seating = seating or LocalSeating(lobby)
        self.tickets = tickets
        self.limiter = Limiter(config)
        self.sessions: dict[str, Session] = {}
        sio.on("connect", self.on_connect)
        sio.on("disconnect", self.on_disconnect)
        sio.on_now(EVENTS.input, self.on_input)
        sio.on("*", self.on_unknown)
        self._request(EVENTS.create, CREATE, self.create)
        self._request(EVENTS.join, JOIN, self.join)
        self._request(EVENTS.quick_join, QUICK_JOIN, self.quick_join)
        self._request(EVENTS.resume, RESUME, self.resume)
        self._request(EVENTS.leave, NOTHING, self.leave)
        self._request(EVENTS.list_rooms, LIST_ROOMS, self.list_rooms)
        self._request(EVENTS.kick, KICK, self.kick)
        self._request(EVENTS.settings, SETTINGS, self.change_settings)
        self._request(EVENTS.start, NOTHING, self.start)
        self._request(EVENTS.sync, NOTHING, self.sync)
        self._request(EVENTS.ping, NOTHING, self.ping)

    # -- connection --------------------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        """Check the protocol version and display name; open a session."""
        auth = auth if isinstance(auth, dict) else {}
        connection = self.sio.connection_of(sid)
        try:
            version = auth.get("v")
            if version != VERSION:
                sent = repr(version)[:16] if isinstance(version, int | str) else "no version"
                raise ProtocolError(
                    "bad_version",
                    f"This server speaks protocol version {VERSION}; the client sent {sent}")
            if self.lobby.closing:
                raise ProtocolError("shutting_down")
            if connection is None:
                raise ProtocolError("bad_request", "this connection is closing")
            self.sio.connections.check_caps(connection)
            raw_name = auth.get("name")
            name = clean_name(raw_name) if raw_name else f"guest-{secrets.randbelow(10000):04d}"
        except ProtocolError as error:
            self.sio.refusals[error.code] += 1
            raise socketio.exceptions.ConnectionRefusedError(
                error.message, error.to_wire()
            ) from None
        self.sessions[sid] = Session(sid, name, connection)

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        """Drop the session. A clean client disconnect frees its seat; a lost connection
        holds it for the seat grace period."""
        session = self.sessions.pop(sid, None)
        room = self.lobby.room_of(sid)
        if room is None:
            return
        flooded = session is not None and session.connection.cut_reason == "flood"
        if reason == self.sio.reason.CLIENT_DISCONNECT or flooded:
            await room.leave(sid)
        else:
            await room.drop(sid)

    async def shutdown(self) -> None:
        """Going away: refuse newcomers, say goodbye, close every room, disconnect everyone.

        Ticks never interleave with this, so each room stops right after a complete tick.
        """
        goodbye = ProtocolError("shutting_down")
        self.lobby.closing = True
        # to this node's clients only: with a cluster's message queue, ``sio.emit`` would
        # reach every node's
        self.sio.manager.fanout(EVENTS.bye, [{"code": goodbye.code, "message": goodbye.message}],
                                NAMESPACE, None)
        await self.lobby.close_all(goodbye.code)
        for sid in list(self.sessions):
            await self.sio.close_connection(sid)

    # -- requests ----------------------------------------------------------------------------

    def _request(self, event: str, shape: Shape, action: Action) -> None:
        async def handle(sid: str, data: Any = None, *extra: Any) -> dict[str, Any]:
            session = self.sessions.get(sid)
            with self._log_context(sid):
                return await answer(session, data, extra)

        async def answer(session: Session | None, data: Any, extra: tuple[Any, ...]
                         ) -> dict[str, Any]:
            try:
                if session is None:
                    raise ProtocolError("bad_request", "this connection has no session")
                self._check_request(session)
                if extra:
                    raise ProtocolError("bad_request", "send a single payload")
                result = await action(session, **shape.parse(data))
            except Moved as moved:
                return moved.to_wire()  # an answer, not a refusal
            except ProtocolError as error:
                self._refused(session, error)
                return error.to_wire()
            except Exception:
                log.exception("%s request failed", event)
                failure = ProtocolError("bad_request", f"the {event} request failed")
                self._refused(session, failure)
                return failure.to_wire()
            return {"ok": True, **result}

        self.sio.on(event, handle)

    async def create(self, session: Session, *, game: str, public: bool, max_players: int,
                     max_spectators: int, tick_rate: int, settings: dict[str, Any],
                     metadata: dict[str, Any]) -> dict[str, Any]:
        """Create a room and join it as its host."""
        self._require_no_room(session)
        self.limiter.check_join(session)
        request = RoomRequest(game, public, max_players, max_spectators, tick_rate or None,
                              settings)
        return await self.seating.create(session, request, metadata)

    async def join(self, session: Session, *, code: str, room_id: str, reservation: str,
                   spectate: bool, metadata: dict[str, Any], watch: str) -> dict[str, Any]:
        """Join a room by join code (any case, spaces ignored), by room id, or with the seat
        reservation of a ``moved`` answer (which decides ``spectate``); or watch one with a
        monitor ticket (an uncounted spectator, on the room's own node)."""
        self._require_no_room(session)
        self.limiter.check_join(session)
        if (bool(code) + bool(room_id) + bool(reservation) + bool(watch)) != 1:
            raise ProtocolError("bad_request", "give one of code, room_id, reservation or watch")
        if watch:
            return await self._watch(session, watch)
        if reservation:
            if spectate:
                raise ProtocolError("bad_request", "a reservation already says which seat")
            return await self.seating.redeem(session, reservation, metadata)
        return await self.seating.join(session, normalize_code(code), room_id, spectate,
                                       metadata)

    async def _watch(self, session: Session, ticket: str) -> dict[str, Any]:
        room_id = self.tickets.check(ticket, "watch") if self.tickets is not None else None
        if room_id is None:
            raise ProtocolError("bad_ticket")
        room = self.lobby.rooms.get(room_id)
        if room is None or room.closed:
            raise ProtocolError("room_not_found")
        return await room.admit(session.sid, session.name, True, observer=True)

    async def quick_join(self, session: Session, *, game: str, settings: dict[str, Any],
                         max_players: int, metadata: dict[str, Any]) -> dict[str, Any]:
        """Join the fullest public room with a free seat, or open a new public one."""
        self._require_no_room(session)
        self.limiter.check_join(session)
        request = RoomRequest(game, True, max_players, settings=settings)
        return await self.seating.quick(session, request, metadata)

    async def resume(self, session: Session, *, token: str) -> dict[str, Any]:
        """Take back a held seat with its reconnection token (after a dropped connection)."""
        self._require_no_room(session)
        self.limiter.check_join(session)
        room_id, _, secret = token.partition(".")
        if not room_id or not secret or not TOKEN_ALPHABET.issuperset(token.replace(".", "", 1)):
            raise ProtocolError("bad_token")
        return await self.seating.resume(session, room_id, token)

    async def leave(self, session: Session) -> dict[str, Any]:
        """Leave the current room."""
        await self._require_room(session).leave(session.sid)
        return {}

    async def list_rooms(self, session: Session, *, game: str) -> dict[str, Any]:
        """Public rooms, optionally of one game."""
        return {"rooms": await self.seating.rooms(game or None)}

    async def kick(self, session: Session, *, player_id: int) -> dict[str, Any]:
        """Host only: remove a player from the room."""
        await self._require_room(session).kick(session.sid, player_id)
        return {}

    async def change_settings(self, session: Session, *, settings: dict[str, Any]
                              ) -> dict[str, Any]:
        """Host only, before the start: change the game settings."""
        room = self._require_room(session)
        room.change_settings(session.sid, settings)
        return {"room": room.info()}

    async def start(self, session: Session) -> dict[str, Any]:
        """Host only: start the game."""
        room = self._require_room(session)
        room.start(session.sid)
        return {"room": room.info()}

    async def sync(self, session: Session) -> dict[str, Any]:
        """A fresh keyframe, for a client that saw a tick gap."""
        room = self._require_room(session)
        return {"keyframe": room.keyframe(session.sid)}

    async def ping(self, session: Session) -> dict[str, Any]:
        """Echo with the server's clock, for round-trip measurement."""
        return {"time": time.time()}

    # -- input -------------------------------------------------------------------------------

    def on_input(self, sid: str, data: Any = None, *extra: Any) -> None:
        """Queue one input for the next tick. Never awaits, so arrival order holds."""
        session = self.sessions.get(sid)
        if session is None:
            return
        try:
            if not session.connection.inputs.take():
                self.lobby.stats.inputs.rate_limited += 1
                session.connection.inputs_limited += 1
                raise ProtocolError("rate_limited", "Too many inputs; send one per tick")
            if extra:
                raise ProtocolError("bad_input", "an input is one list, without an ack")
            room = self.lobby.room_of(sid)
            if room is None:
                raise ProtocolError("not_in_room", "Join a room before sending input")
            room.enqueue(sid, data)
        except ProtocolError as error:
            self.sio.refused(session.connection, error, EVENTS.input)

    async def on_unknown(self, event: str, sid: str, *args: Any) -> dict[str, Any]:
        """Any event without a handler."""
        error = ProtocolError("unknown_event", f"Unknown event {str(event)[:32]!r}")
        session = self.sessions.get(sid)
        if session is not None:
            self.sio.refused(session.connection, error, str(event)[:32])
        return error.to_wire()

    # -- helpers -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _log_context(self, sid: str) -> Iterator[None]:
        """Name the connection's room and player on the records written meanwhile."""
        room = self.lobby.room_of(sid)
        if room is None:
            yield
            return
        member = room.roster.connected.get(sid)
        player = member.player.id if member is not None and member.player is not None else None
        room_token, player_token = LOG_ROOM.set(room.id), LOG_PLAYER.set(player)
        try:
            yield
        finally:
            LOG_ROOM.reset(room_token)
            LOG_PLAYER.reset(player_token)

    def _require_room(self, session: Session) -> Room:
        room = self.lobby.room_of(session.sid)
        if room is None:
            raise ProtocolError("not_in_room")
        return room

    def _require_no_room(self, session: Session) -> None:
        if self.lobby.room_of(session.sid) is not None:
            raise ProtocolError("already_in_room")

    def _check_request(self, session: Session) -> None:
        requests = session.connection.requests
        if not requests.take():
            raise ProtocolError("rate_limited", "Too many requests; slow down",
                                retry_after=requests.wait())

    def _refused(self, session: Session | None, error: ProtocolError) -> None:
        """A request answered with ``error``: counted (and, for abuse, toward the flood
        record)."""
        if session is None:
            self.sio.refusals[error.code] += 1
        else:
            self.sio.strike(session.connection, error)
