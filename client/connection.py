"""An async Python client for Tickwire servers, for bots, tools and tests.

    client = TickwireClient(name="bot-1")
    await client.connect("http://127.0.0.1:8000")
    joined = await client.quick_join()
    async for tick in client.updates():
        me = client.mirror.me()
        await client.send_input(dx=1.0, dy=0.0, aim=0.0, fire=False)
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable
from typing import Any

import socketio

from client.answers import Joined, TickwireError, retrying
from client.inbox import Inbox
from client.mirror import StateMirror
from shared.protocol import DEFAULTS, EVENTS, VERSION
from shared.schema import EntitySchema
from shared.wire import TickwirePacket

REQUEST_TIMEOUT = 10.0
MESSAGES_KEPT = 100  # the latest game messages ``TickwireClient.messages`` keeps
MAX_REDIRECTS = 3  # ``moved`` answers followed for one request
StateCallback = Callable[["StateMirror"], None]
MessageCallback = Callable[[str, Any], None]


class TickwireClient:
    """One connection to a Tickwire server, in at most one room at a time.

    :param name: display name; the server picks one when omitted.
    :param protocol_version: the version announced at connect (tests change it).
    :param transports: Engine.IO transports to use, in order.
    :param packet_class: the Socket.IO packet class (a subclass may count bytes).
    :param retry_for: seconds this client may spend waiting to try a refused connection or
        request again when the refusal says when (``retry_after``: a rate limit, a busy or
        full server); 0 (the default) raises at once.
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        protocol_version: int = VERSION,
        transports: tuple[str, ...] = ("websocket",),
        packet_class: type[TickwirePacket] = TickwirePacket,
        retry_for: float = 0.0,
    ) -> None:
        self.name = name
        self.retry_for = retry_for
        self.protocol_version = protocol_version
        self.transports = list(transports)
        self.sio = socketio.AsyncClient(serializer=packet_class, reconnection=False)
        self.mirror: StateMirror | None = None
        self.room: dict[str, Any] | None = None
        self.joined: Joined | None = None
        self.closed_reason: dict[str, Any] | None = None
        self.token: str | None = None
        self.goodbye: dict[str, Any] | None = None
        self.url_before_drop = ""
        self.errors: Inbox[dict[str, Any]] = Inbox(maxlen=100)
        self.messages: Inbox[tuple[str, Any]] = Inbox(maxlen=MESSAGES_KEPT)
        self.announcements: Inbox[dict[str, Any]] = Inbox(maxlen=MESSAGES_KEPT)
        self.redirects = 0
        self.states_received = 0
        self.resyncs = 0
        self.input_latencies: deque[float] = deque(maxlen=10_000)
        self._seq = 0
        self._sent_at: dict[int, float] = {}
        self._refusal: dict[str, Any] | None = None
        self._callbacks: list[StateCallback] = []
        self._message_callbacks: list[MessageCallback] = []
        self._listeners: set[asyncio.Queue[int]] = set()
        self._resync_task: asyncio.Task[None] | None = None
        self._room_closed = asyncio.Event()
        self.sio.on("connect_error", self._on_connect_error)
        self.sio.on(EVENTS.state, self._on_state)
        self.sio.on(EVENTS.room, self._on_room)
        self.sio.on(EVENTS.closed, self._on_closed)
        self.sio.on(EVENTS.error, self._on_error)
        self.sio.on(EVENTS.bye, self._on_bye)
        self.sio.on(EVENTS.message, self._on_message)
        self.sio.on(EVENTS.announce, self._on_announce)

    # -- connection --------------------------------------------------------------------------

    async def connect(self, url: str, timeout: float = REQUEST_TIMEOUT) -> None:
        """Connect; raises ``TickwireError`` when the server refuses (bad version, full...)."""
        await retrying(lambda: self._connect_once(url, timeout), self.retry_for)

    async def _connect_once(self, url: str, timeout: float) -> None:
        auth: dict[str, Any] = {"v": self.protocol_version}
        if self.name:
            auth["name"] = self.name
        self._refusal = None
        try:
            await self.sio.connect(url, auth=auth, transports=self.transports,
                                   wait_timeout=timeout)
        except socketio.exceptions.ConnectionError as error:
            if self._refusal is not None:
                raise TickwireError.from_answer(self._refusal) from None
            raise TickwireError("connect_failed", str(error)) from None

    async def disconnect(self) -> None:
        """Leave the room (if in one) and close the connection: a clean goodbye that frees
        the seat at once. Safe to call after the server has closed the connection."""
        if self.joined is not None and self.sio.connected:
            with contextlib.suppress(TickwireError, TimeoutError):
                await self.leave()
        await self.sio.disconnect()

    async def drop_connection(self) -> None:
        """Cut the transport without leaving, as a network failure would. The server holds
        the seat for its grace period; ``reconnect`` takes it back."""
        self.url_before_drop = self.sio.connection_url
        await self.sio.eio.ws.close()
        async with asyncio.timeout(REQUEST_TIMEOUT):
            while self.sio.connected:
                await asyncio.sleep(0.01)
        await self.sio.disconnect()  # releases the dead connection's HTTP session

    async def reconnect(self, url: str | None = None) -> Joined:
        """Connect again and resume the held seat with the last reconnection token."""
        if self.token is None:
            raise TickwireError("bad_token", "no seat to resume")
        await self.connect(url or self.url_before_drop)
        return await self.resume(self.token)

    @property
    def connected(self) -> bool:
        """True while the connection is up."""
        return self.sio.connected

    # -- requests ----------------------------------------------------------------------------

    async def request(self, event: str, payload: dict[str, Any] | None = None,
                      timeout: float = REQUEST_TIMEOUT,
                      on_success: Callable[[dict[str, Any]], None] | None = None
                      ) -> dict[str, Any]:
        """Send a request event and wait for its answer; raise ``TickwireError`` on refusal
        (after trying again within ``retry_for`` when the refusal says when).

        ``on_success`` runs as soon as the answer arrives, before any later event is handled.
        """
        return await retrying(lambda: self._request_once(event, payload, timeout, on_success),
                              self.retry_for)

    async def _request_once(self, event: str, payload: dict[str, Any] | None, timeout: float,
                            on_success: Callable[[dict[str, Any]], None] | None
                            ) -> dict[str, Any]:
        answered: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

        def on_answer(answer: Any = None, *rest: Any) -> None:
            if not isinstance(answer, dict):
                answer = {"ok": False, "code": "bad_answer", "message": repr(answer)[:200]}
            if answer.get("ok") and on_success is not None:
                on_success(answer)
            if not answered.done():
                answered.set_result(answer)

        await self.sio.emit(event, payload if payload is not None else {}, callback=on_answer)
        answer = await asyncio.wait_for(answered, timeout)
        if not answer.get("ok"):
            raise TickwireError.from_answer(answer)
        return answer


    async def create_room(self, *, public: bool = False,
                          max_players: int = DEFAULTS.max_players,
                          max_spectators: int = DEFAULTS.max_spectators,
                          game: str = DEFAULTS.game,
                          settings: dict[str, Any] | None = None, tick_rate: int = 0,
                          metadata: dict[str, Any] | None = None) -> Joined:
        """Create a room and join it as its host. ``metadata`` (a small map) goes to the
        game's join check, as with ``join`` and ``quick_join``."""
        payload = {"game": game, "public": public, "max_players": max_players,
                   "max_spectators": max_spectators, "settings": settings or {}}
        if tick_rate:
            payload["tick_rate"] = tick_rate
        return await self._enter(EVENTS.create, payload, metadata)

    async def join(self, code: str | None = None, room_id: str | None = None,
                   spectate: bool = False, metadata: dict[str, Any] | None = None,
                   watch: str | None = None) -> Joined:
        """Join by join code or room id, as a player or a spectator; or watch a room,
        uncounted, with a monitor ticket (``POST /api/admin/rooms/{id}/watch``) on the
        room's node."""
        payload: dict[str, Any] = {"spectate": spectate}
        if code is not None:
            payload["code"] = code
        if room_id is not None:
            payload["room_id"] = room_id
        if watch is not None:
            payload["watch"] = watch
        return await self._enter(EVENTS.join, payload, metadata)

    async def quick_join(self, game: str = DEFAULTS.game,
                         settings: dict[str, Any] | None = None,
                         max_players: int = DEFAULTS.max_players,
                         metadata: dict[str, Any] | None = None) -> Joined:
        """Join a public room with a free seat, or open one."""
        return await self._enter(EVENTS.quick_join, {"game": game, "settings": settings or {},
                                                     "max_players": max_players}, metadata)

    async def resume(self, token: str) -> Joined:
        """Take back a held seat (after a dropped connection) with its reconnection token."""
        return await self._enter(EVENTS.resume, {"token": token})

    async def leave(self) -> None:
        """Leave the current room."""
        await self.request(EVENTS.leave)
        self._forget_room()

    async def list_rooms(self, game: str | None = None) -> list[dict[str, Any]]:
        """Public rooms."""
        answer = await self.request(EVENTS.list_rooms, {"game": game} if game else {})
        return answer["rooms"]

    async def kick(self, player_id: int) -> None:
        """Host only: remove a player."""
        await self.request(EVENTS.kick, {"player_id": player_id})

    async def change_settings(self, **settings: Any) -> dict[str, Any]:
        """Host only, before the start: change game settings. Returns the room."""
        return (await self.request(EVENTS.settings, {"settings": settings}))["room"]

    async def start(self) -> dict[str, Any]:
        """Host only: start the game. Returns the room."""
        return (await self.request(EVENTS.start))["room"]

    async def ping(self) -> float:
        """Round-trip time of one request, in seconds."""
        sent = time.perf_counter()
        await self.request(EVENTS.ping)
        return time.perf_counter() - sent

    async def request_keyframe(self) -> None:
        """Ask for a fresh keyframe (done automatically after a tick gap)."""
        await self.request(EVENTS.sync, on_success=self._load_answer_keyframe)

    # -- input -------------------------------------------------------------------------------

    async def send_input(self, **values: Any) -> int:
        """Send one input with the next sequence number; returns that number."""
        if self.joined is None:
            raise TickwireError("not_in_room", "join a room before sending input")
        self._seq += 1
        message = [self._seq, *(values[name] for name in self.joined.input_names)]
        self._sent_at[self._seq] = time.perf_counter()
        await self.sio.emit(EVENTS.input, message)
        return self._seq

    async def send_raw(self, event: str, *args: Any) -> None:
        """Emit anything, unchecked (for tests of the server's defences)."""
        await self.sio.emit(event, args[0] if len(args) == 1 else args)

    # -- state -------------------------------------------------------------------------------

    def on_state(self, callback: StateCallback) -> None:
        """Call ``callback(mirror)`` after every applied state or keyframe."""
        self._callbacks.append(callback)

    def on_message(self, callback: MessageCallback) -> None:
        """Call ``callback(kind, payload)`` for every one-off message from the game (event
        ``m``); the latest ones are also kept in ``messages`` as ``(kind, payload)``."""
        self._message_callbacks.append(callback)

    async def updates(self) -> AsyncGenerator[int, None]:
        """Yield the mirror's tick now (when synced) and after each update; a slow consumer
        skips ticks rather than queueing them."""
        queue: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
        if self.mirror is not None and self.mirror.tick is not None:  # synced
            queue.put_nowait(self.mirror.tick)
        self._listeners.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._listeners.discard(queue)

    async def wait_until(self, predicate: Callable[[StateMirror], bool],
                         timeout: float = REQUEST_TIMEOUT) -> StateMirror:
        """Wait until ``predicate(mirror)`` holds; ``TimeoutError`` after ``timeout``."""
        async with asyncio.timeout(timeout), contextlib.aclosing(self.updates()) as ticks:
            while True:
                await anext(ticks)
                if self.mirror is not None and predicate(self.mirror):
                    return self.mirror

    async def wait_for_error(self, code: str, event: str | None = None,
                             timeout: float = REQUEST_TIMEOUT) -> dict[str, Any]:
        """Wait for an ``error`` event with this code (and about this event, if given);
        return at once if one already arrived."""
        return await self.errors.first(
            lambda error: error.get("code") == code and event in (None, error.get("event")),
            timeout)

    async def wait_for_message(self, kind: str, timeout: float = REQUEST_TIMEOUT) -> Any:
        """Wait for a game message of this kind and return its payload; return at once if
        one is among the kept ``messages``."""
        return (await self.messages.first(lambda message: message[0] == kind, timeout))[1]

    async def wait_closed(self, timeout: float = REQUEST_TIMEOUT) -> dict[str, Any]:
        """Wait until the server closes our room (or kicks us); returns ``{code, message}``."""
        await asyncio.wait_for(self._room_closed.wait(), timeout)
        assert self.closed_reason is not None
        return self.closed_reason

    # -- event handlers ----------------------------------------------------------------------

    async def _enter(self, event: str, payload: dict[str, Any],
                     metadata: dict[str, Any] | None = None) -> Joined:
        """Send a create/join/quick/resume request; follow ``moved`` answers to the room's
        node (connect there, then ``join {reservation}``, or ``resume`` again)."""
        if metadata:
            payload["metadata"] = metadata
        for _ in range(MAX_REDIRECTS + 1):
            try:
                await self.request(event, payload, on_success=self._load_welcome)
            except TickwireError as error:
                if error.code != "moved" or error.redirect is None:
                    raise
                event, payload = await self._follow(error.redirect, event, payload)
                continue
            assert self.joined is not None
            return self.joined
        raise TickwireError("moved", f"more than {MAX_REDIRECTS} redirects in a row")

    async def _follow(self, redirect: dict[str, Any], event: str, payload: dict[str, Any]
                      ) -> tuple[str, dict[str, Any]]:
        """Move to the node a ``moved`` answer names; the request to send there."""
        url, reservation = redirect.get("url"), redirect.get("reservation")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise TickwireError("bad_answer", f"a redirect to {str(url)[:100]!r}")
        await self.sio.disconnect()
        await self.connect(url)
        self.redirects += 1
        if reservation is None:
            return event, payload  # a resume: the same token, on the right node
        following = {"reservation": reservation}
        if "metadata" in payload:
            following["metadata"] = payload["metadata"]
        return EVENTS.join, following

    def _load_welcome(self, answer: dict[str, Any]) -> None:
        self.room = answer["room"]
        self.token = answer.get("token")
        self.closed_reason = None
        self._room_closed.clear()
        self.joined = Joined(answer["room"], answer["player_id"],
                             tuple(spec[0] for spec in answer["inputs"]))
        self.mirror = StateMirror(EntitySchema.from_description(answer["schema"]),
                                  answer["player_id"], "interest" in answer)
        self._sent_at.clear()
        self.mirror.load_keyframe(answer["keyframe"])
        self._seq = self.mirror.ack  # a resumed seat continues after its last applied input
        self._notify()

    def _load_answer_keyframe(self, answer: dict[str, Any]) -> None:
        if self.mirror is not None:
            self.mirror.load_keyframe(answer["keyframe"])
            self._notify()

    async def _on_connect_error(self, data: Any = None) -> None:
        if isinstance(data, dict):
            nested = data.get("data")
            inner = nested if isinstance(nested, dict) else data
            self._refusal = {"code": inner.get("code", "refused"),
                             "message": inner.get("message", str(data)),
                             "retry_after": inner.get("retry_after")}

    async def _on_state(self, message: Any) -> None:
        mirror = self.mirror
        if mirror is None:
            return
        self.states_received += 1
        if not mirror.apply_state(message):
            self._resync()
            return
        if mirror.synced:
            self._record_ack(mirror.ack)
            self._notify()

    async def _on_room(self, info: Any) -> None:
        if self.joined is not None and isinstance(info, dict):
            self.room = info

    async def _on_closed(self, reason: Any) -> None:
        self.closed_reason = reason if isinstance(reason, dict) else {"code": "room_closed"}
        self._forget_room()
        self._room_closed.set()

    async def _on_bye(self, notice: Any) -> None:
        self.goodbye = notice if isinstance(notice, dict) else {"code": "shutting_down"}

    async def _on_error(self, error: Any) -> None:
        self.errors.add(error if isinstance(error, dict) else {"code": "unknown"})

    async def _on_announce(self, notice: Any) -> None:
        if isinstance(notice, dict) and isinstance(notice.get("message"), str):
            self.announcements.add(notice)

    async def _on_message(self, message: Any) -> None:
        if not (isinstance(message, list) and len(message) == 2 and isinstance(message[0], str)):
            return
        kind, payload = message
        self.messages.add((kind, payload))
        for callback in self._message_callbacks:
            callback(kind, payload)

    def _forget_room(self) -> None:
        self.room = None
        self.joined = None
        self.mirror = None

    def _resync(self) -> None:
        if self._resync_task is None or self._resync_task.done():
            self.resyncs += 1
            self._resync_task = asyncio.create_task(self._request_keyframe_quietly())

    async def _request_keyframe_quietly(self) -> None:
        with contextlib.suppress(TickwireError, TimeoutError, socketio.exceptions.SocketIOError):
            await self.request_keyframe()

    def _record_ack(self, ack: int) -> None:
        if not self._sent_at:
            return
        now = time.perf_counter()
        for seq in [s for s in self._sent_at if s <= ack]:
            sent = self._sent_at.pop(seq)
            if seq == ack:
                self.input_latencies.append(now - sent)

    def _notify(self) -> None:
        mirror = self.mirror
        if mirror is None or mirror.tick is None:  # not synced
            return
        for callback in self._callbacks:
            callback(mirror)
        for queue in self._listeners:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(mirror.tick)
