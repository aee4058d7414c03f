"""Socket.IO handlers: check what arrives, call the lobby and rooms, answer through acks.

Every request event answers ``{"ok": true, ...}`` or ``{"ok": false, "code", "message"}``.
The input event has no acknowledgement (it is sent every tick): problems with it come back as
``error`` events, at most a few per second per connection.
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Awaitable, Callable
from typing import Any

import socketio

from server.config import ServerConfig
from server.lobby import Lobby, RoomRequest
from server.logs import guarded
from server.net.socketio_server import TickwireServer
from server.requests import Arg, Shape
from server.room import Room
from server.roster import Member
from server.sessions import Limiter, Session
from shared.protocol import (
    DEFAULTS,
    EVENTS,
    LIMITS,
    VERSION,
    ProtocolError,
    clean_name,
    normalize_code,
)

log = guarded(__name__)
TOKEN_ALPHABET = frozenset(string.ascii_letters + string.digits + "-_")

Action = Callable[..., Awaitable[dict[str, Any]]]

CREATE = Shape(
    game=Arg(str, DEFAULTS.game, max_length=32),
    public=Arg(bool, False),
    max_players=Arg(int, DEFAULTS.max_players, 1, LIMITS.max_players),
    max_spectators=Arg(int, DEFAULTS.max_spectators, 0, LIMITS.max_spectators),
    tick_rate=Arg(int, 0, 0, LIMITS.max_tick_rate),
    settings=Arg(dict, {}),
)
JOIN = Shape(
    code=Arg(str, "", max_length=32),
    room_id=Arg(str, "", max_length=32),
    spectate=Arg(bool, False),
)
QUICK_JOIN = Shape(game=Arg(str, DEFAULTS.game, max_length=32), settings=Arg(dict, {}),
                   max_players=Arg(int, DEFAULTS.max_players, 1, LIMITS.max_players))
LIST_ROOMS = Shape(game=Arg(str, "", max_length=32))
KICK = Shape(player_id=Arg(int, low=1, high=2**31))
SETTINGS = Shape(settings=Arg(dict))
RESUME = Shape(token=Arg(str, max_length=64))
NOTHING = Shape()


class Gateway:
    """Registers the handlers on ``sio`` and keeps the sessions."""

    def __init__(self, sio: TickwireServer, lobby: Lobby, config: ServerConfig) -> None:
        self.sio = sio
        self.lobby = lobby
        self.config = config
        self.limiter = Limiter(config)
        self.sessions: dict[str, Session] = {}
        lobby.on_room_closed = self.room_closed
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
        if session is None or session.room is None:
            return
        room = session.room
        if reason == self.sio.reason.CLIENT_DISCONNECT or session.connection.cut_reason == "flood":
            room.remove(sid)
        else:
            room.drop(sid)
        self.lobby.publish(room)

    async def shutdown(self) -> None:
        """Going away: refuse newcomers, say goodbye, close every room, disconnect everyone.

        Ticks never interleave with this, so each room stops right after a complete tick.
        """
        goodbye = ProtocolError("shutting_down")
        self.lobby.closing = True
        await self.sio.emit(EVENTS.bye, {"code": goodbye.code, "message": goodbye.message})
        await self.lobby.close_all(goodbye.code)
        for sid in list(self.sessions):
            await self.sio.close_connection(sid)

    def room_closed(self, room: Room, sids: list[str]) -> None:
        """The lobby closed ``room``: its members are in no room now."""
        for sid in sids:
            session = self.sessions.get(sid)
            if session is not None and session.room is room:
                session.room = session.member = None

    # -- requests ----------------------------------------------------------------------------

    def _request(self, event: str, shape: Shape, action: Action) -> None:
        async def handle(sid: str, data: Any = None, *extra: Any) -> dict[str, Any]:
            session = self.sessions.get(sid)
            try:
                if session is None:
                    raise ProtocolError("bad_request", "this connection has no session")
                self._check_request(session)
                if extra:
                    raise ProtocolError("bad_request", "send a single payload")
                result = await action(session, **shape.parse(data))
            except ProtocolError as error:
                self._refused(session, error)
                return error.to_wire()
            except Exception:
                log.exception("%s request failed", event)
                error = ProtocolError("bad_request", f"the {event} request failed")
                self._refused(session, error)
                return error.to_wire()
            return {"ok": True, **result}

        self.sio.on(event, handle)

    async def create(self, session: Session, *, game: str, public: bool, max_players: int,
                     max_spectators: int, tick_rate: int, settings: dict[str, Any]
                     ) -> dict[str, Any]:
        """Create a room and join it as its host."""
        self._require_no_room(session)
        self.limiter.check_join(session)
        request = RoomRequest(game, public, max_players, max_spectators, tick_rate or None,
                              settings)
        room = await self.lobby.create(session.sid, request)
        return await self._enter(session, room, spectate=False)

    async def join(self, session: Session, *, code: str, room_id: str, spectate: bool
                   ) -> dict[str, Any]:
        """Join a room by join code (any case, spaces ignored) or by room id."""
        self._require_no_room(session)
        self.limiter.check_join(session)
        if bool(code) == bool(room_id):
            raise ProtocolError("bad_request", "give either code or room_id")
        room = await self.lobby.find(code=normalize_code(code), room_id=room_id)
        return await self._enter(session, room, spectate)

    async def quick_join(self, session: Session, *, game: str, settings: dict[str, Any],
                         max_players: int) -> dict[str, Any]:
        """Join the fullest public room with a free seat, or open a new public one."""
        self._require_no_room(session)
        self.limiter.check_join(session)
        request = RoomRequest(game, True, max_players, settings=settings)
        room = await self.lobby.quick_join_target(session.sid, request)
        return await self._enter(session, room, spectate=False)

    async def resume(self, session: Session, *, token: str) -> dict[str, Any]:
        """Take back a held seat with its reconnection token (after a dropped connection)."""
        self._require_no_room(session)
        self.limiter.check_join(session)
        room_id, _, secret = token.partition(".")
        if not room_id or not secret or not TOKEN_ALPHABET.issuperset(token.replace(".", "", 1)):
            raise ProtocolError("bad_token")
        try:
            room = await self.lobby.find(room_id=room_id)
        except ProtocolError:
            raise ProtocolError("seat_expired") from None
        member, previous = room.resume(session.sid, token)
        if previous is not None:
            await self._evict(previous, room, "replaced")
        return await self._seat(session, room, member)

    async def leave(self, session: Session) -> dict[str, Any]:
        """Leave the current room."""
        room = self._require_room(session)
        room.remove(session.sid)
        await self.lobby.dispatcher.exit(session.sid, room.id)
        session.room = session.member = None
        self.lobby.publish(room)
        return {}

    async def list_rooms(self, session: Session, *, game: str) -> dict[str, Any]:
        """Public rooms, optionally of one game."""
        return {"rooms": await self.lobby.public_rooms(game or None)}

    async def kick(self, session: Session, *, player_id: int) -> dict[str, Any]:
        """Host only: remove a player from the room."""
        room = self._require_room(session)
        target = room.kick(session.sid, player_id)
        if target.sid is not None:
            await self._evict(target.sid, room, "kicked")
        self.lobby.publish(room)
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
        self.lobby.publish(room)
        return {"room": room.info()}

    async def sync(self, session: Session) -> dict[str, Any]:
        """A fresh keyframe, for a client that saw a tick gap."""
        room = self._require_room(session)
        return {"keyframe": room.sync.keyframe()}

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
                raise ProtocolError("rate_limited", "Too many inputs; send one per tick")
            if extra:
                raise ProtocolError("bad_input", "an input is one list, without an ack")
            if session.member is None or session.room is None:
                raise ProtocolError("not_in_room", "Join a room before sending input")
            session.room.enqueue(session.member, data)
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

    async def _enter(self, session: Session, room: Room, spectate: bool) -> dict[str, Any]:
        return await self._seat(session, room, room.admit(session.sid, session.name, spectate))

    async def _seat(self, session: Session, room: Room, member: Member) -> dict[str, Any]:
        """Put the session in ``room`` as ``member``; the answer is the room's welcome."""
        session.room, session.member = room, member
        await self.lobby.dispatcher.enter(session.sid, room.id)
        self.lobby.publish(room)
        return room.welcome(member)

    async def _evict(self, sid: str, room: Room, code: str) -> None:
        """Tell a connection it lost its place in ``room`` and take it out."""
        dispatcher = self.lobby.dispatcher
        await dispatcher.send(sid, EVENTS.closed, ProtocolError(code).to_wire() | {
            "room_id": room.id})
        await dispatcher.exit(sid, room.id)
        evicted = self.sessions.get(sid)
        if evicted is not None and evicted.room is room:
            evicted.room = evicted.member = None

    @staticmethod
    def _require_room(session: Session) -> Room:
        if session.room is None:
            raise ProtocolError("not_in_room")
        return session.room

    @staticmethod
    def _require_no_room(session: Session) -> None:
        if session.room is not None:
            raise ProtocolError("already_in_room")

    def _check_request(self, session: Session) -> None:
        requests = session.connection.requests
        if not requests.take():
            raise ProtocolError("rate_limited", "Too many requests; slow down",
                                retry_after=requests.wait())

    def _refused(self, session: Session | None, error: ProtocolError) -> None:
        """A request answered with ``error``: counted, and toward the flood record."""
        if session is None:
            self.sio.refusals[error.code] += 1
        else:
            self.sio.strike(session.connection, error)
