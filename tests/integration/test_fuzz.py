"""Fuzzing every handler from real connections: random events, arguments and bytes.

The server runs in a separate process, as in production, with a well-behaved player in a room
of its own; hypothesis drives each example as a real websocket session against it. Every
session must end well: the server still answers a ``ping`` on that connection, or, where the
session sent something the transport may rightly refuse, it closed the websocket with a close
frame. Afterwards a test-only endpoint of that process reports what the player saw and audits
the server state.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Iterator
from dataclasses import astuple
from typing import Any, NamedTuple

import aiohttp
import msgpack
import pytest
from aiohttp import web
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from client import TickwireClient
from server.app import GATEWAY, LOBBY, TRANSPORT_SLACK, build_app
from shared.protocol import EVENTS, VERSION, clean_name
from shared.wire import MalformedPacket, unpack
from tests.helpers import assert_consecutive, config_with, free_port
from tests.rawsocket import ClosedByServer, RawSocket

EXAMPLES = 300  # hypothesis sessions in the fuzz test
BATCH = 100  # seeded sessions the audit tests play first, so that they stand alone
TICK_RATE = 20
TRANSPORT_LIMIT = config_with().max_event_bytes + TRANSPORT_SLACK  # bigger frames: closed
PROBE_ID = 2**40  # ack id of the closing ping, beyond any the fuzzer picks
ENDING_SECONDS = 5.0  # how long a session may take to answer its ping or close

msgpack_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=40)
    | st.binary(max_size=40),
    lambda children: st.lists(children, max_size=6)
    | st.dictionaries(st.text(max_size=8) | st.integers(-5, 5), children, max_size=6),
    max_leaves=20,
)
event_names = (st.sampled_from([*astuple(EVENTS), "connect", "disconnect", "message", "*", ""])
               | st.text(max_size=20) | st.integers(-(2**63), 2**63))


def event_packet(name: Any, arguments: list[Any], ack_id: int | None) -> dict[str, Any]:
    """A Socket.IO EVENT packet, asking for an acknowledgement if ``ack_id`` is given."""
    packet = {"type": 2, "nsp": "/", "data": [name, *arguments]}
    return packet if ack_id is None else packet | {"id": ack_id}


events = st.builds(event_packet, event_names, st.lists(msgpack_values, max_size=3),
                          st.none() | st.integers(0, 2**32))
# Socket.IO packets of every type, some well formed: connects (some with a valid auth),
# disconnects, acks, for the default namespace and others
packets = st.fixed_dictionaries(
    {"type": st.integers(-1, 7), "nsp": st.sampled_from(["/", "", "/admin"]) | st.text(max_size=8)},
    optional={"data": msgpack_values | st.fixed_dictionaries(
                  {"v": st.just(VERSION)}, optional={"name": st.text(max_size=20)}),
              "id": st.integers(0, 2**32) | msgpack_values},
)
raw_frames = st.binary(max_size=200) | msgpack_values.map(msgpack.packb)
# Engine.IO, the protocol under Socket.IO, has text packets: "1" close, "2" ping, "3" pong,
# "4..." message, "5" upgrade, "6" noop, "b..." base64 binary message
engineio_texts = (st.sampled_from(["1", "2", "3", "4", "5", "6", "40", "4{}", "bAA==", "b!"])
                  | st.text(max_size=40))

Frame = bytes | str  # a binary (Socket.IO) or a text (Engine.IO) websocket frame


class Session(NamedTuple):
    """One fuzz session: how it opens, what it sends, and maybe one Engine.IO packet."""

    opening: str  # lobby (nothing), create, quick (join), spectate (join and leave)
    messages: list[dict[str, Any] | bytes]  # Socket.IO packets, sent as msgpack, and raw bytes
    engineio: tuple[int, str] | None  # an Engine.IO text packet and its place among them

    def frames(self) -> list[Frame]:
        """What the session sends after its opening, frame by frame."""
        frames: list[Frame] = [message if isinstance(message, bytes) else msgpack.packb(message)
                               for message in self.messages]
        if self.engineio is not None:
            position, text = self.engineio
            frames.insert(position, text)
        return frames


sessions = st.builds(
    Session,
    st.sampled_from(["lobby", "create", "quick", "spectate"]),
    st.lists(events | packets | raw_frames, min_size=1, max_size=8),
    st.none() | st.tuples(st.integers(0, 8), engineio_texts),
)


# -- the server process ---------------------------------------------------------------------

def serve(port: int) -> None:
    """Child process: a Tickwire server with a bystander player and an audit endpoint."""
    app = build_app(config_with(port=port, joins_per_minute=6000,
                                joins_per_minute_per_address=60000,
                                max_rooms_per_address=1000, max_load_per_address=10**9,
                                max_load=10**9))
    watch: dict[str, Any] = {"ticks": [], "times": []}

    async def bystander(app: web.Application) -> None:
        client = TickwireClient("bystander")
        for _ in range(100):
            try:
                await client.connect(f"http://127.0.0.1:{port}")
                break
            except Exception:
                await asyncio.sleep(0.05)
        await client.create_room(settings={"npcs": 4})

        def seen(mirror: Any) -> None:
            watch["ticks"].append(mirror.tick)
            watch["times"].append(time.monotonic())

        client.on_state(seen)

    async def start_bystander(app: web.Application) -> None:
        app["bystander"] = asyncio.create_task(bystander(app))

    async def report(request: web.Request) -> web.Response:
        return web.json_response({"problems": await audit(request.app), **watch})

    app.on_startup.append(start_bystander)
    app.router.add_get("/__audit", report)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


async def audit(app: web.Application) -> list[str]:
    """Everything the server holds refers to valid data."""
    lobby, gateway = app[LOBBY], app[GATEWAY]
    problems = []
    for sid, session in gateway.sessions.items():
        if not session.name.startswith("guest-") and clean_name(session.name) != session.name:
            problems.append(f"session {sid} has name {session.name!r}")
    for room_id, room in lobby.rooms.items():
        schema = room.game_class.settings_schema
        if schema.merge(schema.defaults(), room.settings) != room.settings:
            problems.append(f"room {room_id} has settings {room.settings!r}")
        if await lobby.directory.by_id(room_id) is None:
            problems.append(f"room {room_id} is not in the directory")
        for sid, member in room.roster.connected.items():
            if sid not in gateway.sessions:
                problems.append(f"room {room_id} holds a member without a session")
            for seq, values in member.inputs.pending if member.inputs else ():
                room.game.input_schema.parse([seq, *values.values()], 2**31 - 1)
        for eid, body in room.game.entities.items():
            try:
                room.game.entity_schema.quantize(body)
            except (TypeError, ValueError, OverflowError) as error:
                problems.append(f"room {room_id} entity {eid}: {error}")
    return problems


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(target=serve, args=(port,))
    process.start()
    url = f"http://127.0.0.1:{port}"

    async def ready() -> None:
        async with aiohttp.ClientSession() as http:
            for _ in range(400):
                try:
                    async with http.get(url + "/__audit") as response:
                        if (await response.json())["ticks"]:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError("the fuzz server never came up")

    try:
        asyncio.run(ready())
        yield url
    finally:
        process.terminate()
        process.join(10)


# -- the fuzzing ----------------------------------------------------------------------------

def may_close(frames: list[Frame]) -> bool:
    """Whether the server may rightly close the connection over these frames: an Engine.IO
    packet may be malformed (text frame), and a frame over the transport limit is refused by
    the websocket itself. Anything else is a Socket.IO message, answered with an error at
    worst, never with a closed connection."""
    return any(isinstance(frame, str) or len(frame) > TRANSPORT_LIMIT for frame in frames)


def may_leave_namespace(frames: list[Frame]) -> bool:
    """Whether a frame may be a Socket.IO DISCONNECT: the connection then stays open but out
    of the namespace, and its events go unanswered until it connects again."""
    for frame in frames:
        try:
            packet = unpack(frame) if isinstance(frame, bytes) else None
        except MalformedPacket:
            continue
        if isinstance(packet, dict) and packet.get("type") == 1:
            return True
    return False


async def play_session(url: str, opening: str, frames: list[Frame]) -> str:
    """Play one session; return how it ended: "answered" (the server answered the closing
    ping) or "closed" (the server closed the websocket with a close frame). Fails when the
    server does neither within ``ENDING_SECONDS``, or drops the connection without a word."""
    raw = RawSocket(url)
    try:
        await raw.open()
        try:
            if opening in ("quick", "spectate"):
                await raw.emit("quick", {}, ack_id=1)
            if opening == "create":
                await raw.emit("create", {"settings": {"npcs": 1}}, ack_id=1)
            if opening == "spectate":
                await raw.emit("leave", {}, ack_id=2)
            for frame in frames:
                if isinstance(frame, str):
                    await raw.send_text(frame)
                else:
                    await raw.send_bytes(frame)
            if may_leave_namespace(frames):
                await raw.send_packet({"type": 0, "nsp": "/", "data": {"v": VERSION}})
            await raw.emit("ping", {}, ack_id=PROBE_ID)
        except ConnectionResetError:
            pass  # the server closed while we were sending: how, is read below
        return await ending(raw)
    finally:
        await raw.close()


async def ending(raw: RawSocket) -> str:
    """Read until the answer to the closing ping, or the server's close frame."""
    try:
        async with asyncio.timeout(ENDING_SECONDS):
            while True:
                packet = await raw.next_packet()
                if packet.get("type") == 3 and packet.get("id") == PROBE_ID:
                    assert packet["data"][0]["ok"] is True, packet
                    return "answered"
    except ClosedByServer:
        return "closed"
    except TimeoutError:
        raise AssertionError(f"the connection hangs: no answer to a ping and no close "
                             f"within {ENDING_SECONDS} s") from None


def check_session(url: str, session: Session) -> None:
    """Play a drawn session and check how it ended."""
    frames = session.frames()
    ended = asyncio.run(play_session(url, session.opening, frames))
    event(f"{ended}{' after leaving the namespace' if may_leave_namespace(frames) else ''}")
    if not may_close(frames):
        assert ended == "answered", "the server closed a connection over Socket.IO messages"


@pytest.fixture(scope="module")
def fuzzed_url(server_url: str) -> str:
    """The server after a fixed batch of fuzz sessions, whatever else ran before."""

    @settings(max_examples=BATCH, derandomize=True, database=None, phases=[Phase.generate],
              deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(session=sessions)
    def play(session: Session) -> None:
        check_session(server_url, session)

    play()
    return server_url


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(session=sessions)
def test_random_messages_never_hurt_the_server(server_url, session):
    check_session(server_url, session)


def test_after_fuzzing_the_server_is_whole(fuzzed_url):
    """The other room kept ticking through the fuzzing, and the state is intact."""

    async def check() -> dict[str, Any]:
        async with aiohttp.ClientSession() as http, http.get(fuzzed_url + "/__audit") as reply:
            return await reply.json()

    report = asyncio.run(check())
    ticks, times = report["ticks"], report["times"]
    assert_consecutive(ticks)  # not one tick missed
    rate = (len(ticks) - 1) / (times[-1] - times[0])
    print(f"the bystander's room kept {rate:.1f} ticks/s over {times[-1] - times[0]:.1f} s")
    assert rate > TICK_RATE * 0.8  # a handler that blocks the loop costs far more than this
    assert report["problems"] == []


def test_the_fuzzed_server_still_serves_new_players(fuzzed_url):
    async def play() -> int:
        client = TickwireClient("after")
        await client.connect(fuzzed_url)
        try:
            await client.create_room()
            return (await client.wait_until(lambda m: m.tick > 10)).tick
        finally:
            await client.disconnect()

    assert asyncio.run(play()) > 10
