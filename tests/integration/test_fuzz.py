"""Fuzzing every handler from real connections: random events, arguments and bytes.

The server runs in a separate process, as in production, with a well-behaved player in a room
of its own; hypothesis drives each example as a real websocket session against it. Afterwards
a test-only endpoint of that process reports what the player saw and audits the server state.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Iterator
from dataclasses import astuple
from typing import Any

import aiohttp
import msgpack
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client import TickwireClient
from server.app import GATEWAY, LOBBY, build_app
from shared.protocol import EVENTS, clean_name
from tests.conftest import config_with
from tests.integration.test_commands import free_port
from tests.rawsocket import RawSocket

EXAMPLES = 400
TICK_RATE = 20

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
emits = st.tuples(event_names, st.lists(msgpack_values, max_size=3),
                  st.none() | st.integers(0, 2**32))
raw_frames = st.binary(max_size=200) | msgpack_values.map(msgpack.packb)
sessions = st.tuples(
    st.sampled_from(["lobby", "create", "quick", "spectate"]),
    st.lists(st.one_of(emits.map(lambda e: ("emit", e)), raw_frames.map(lambda f: ("raw", f))),
             min_size=1, max_size=8),
)


# -- the server process ---------------------------------------------------------------------

def serve(port: int) -> None:
    """Child process: a Tickwire server with a bystander player and an audit endpoint."""
    app = build_app(config_with(port=port, joins_per_minute=6000,
                                joins_per_minute_per_address=60000,
                                max_rooms_per_address=1000))
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

async def play_session(url: str, opening: str, actions: list[tuple[str, Any]]) -> None:
    raw = RawSocket(url)
    try:
        await raw.open()
        if opening in ("quick", "spectate"):
            await raw.emit("quick", {}, ack_id=1)
        if opening == "create":
            await raw.emit("create", {"settings": {"npcs": 1}}, ack_id=1)
        if opening == "spectate":
            await raw.emit("leave", {}, ack_id=2)
        for kind, action in actions:
            if kind == "raw":
                await raw.send_bytes(action)
            else:
                event, arguments, ack_id = action
                packet: dict[str, Any] = {"type": 2, "nsp": "/", "data": [event, *arguments]}
                if ack_id is not None:
                    packet["id"] = ack_id
                await raw.send_packet(packet)
        await raw.emit("ping", {}, ack_id=99)  # the server still answers this connection
        while True:
            answer = await asyncio.wait_for(raw.next_packet(), 5)
            if answer.get("type") == 3 and answer.get("id") == 99:
                break
    except (TimeoutError, ConnectionError):
        pass  # being disconnected for garbage is an acceptable outcome
    finally:
        await raw.close()


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(session=sessions)
def test_random_messages_never_hurt_the_server(server_url, session):
    opening, actions = session
    asyncio.run(play_session(server_url, opening, actions))


def test_after_fuzzing_the_server_is_whole(server_url):
    """Runs after the fuzz examples (same module): the other room and the state are intact."""

    async def check() -> dict[str, Any]:
        async with aiohttp.ClientSession() as http, http.get(server_url + "/__audit") as reply:
            return await reply.json()

    report = asyncio.run(check())
    ticks, times = report["ticks"], report["times"]
    assert ticks == list(range(ticks[0], ticks[0] + len(ticks)))  # not one tick missed
    rate = (len(ticks) - 1) / (times[-1] - times[0])
    print(f"{EXAMPLES} fuzz sessions; the bystander's room kept {rate:.1f} ticks/s "
          f"over {times[-1] - times[0]:.1f} s")
    assert rate > TICK_RATE * 0.95
    assert report["problems"] == []


def test_the_fuzzed_server_still_serves_new_players(server_url):
    async def play() -> int:
        client = TickwireClient("after")
        await client.connect(server_url)
        try:
            await client.create_room()
            return (await client.wait_until(lambda m: m.tick > 10)).tick
        finally:
            await client.disconnect()

    assert asyncio.run(play()) > 10
