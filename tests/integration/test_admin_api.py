"""The admin API against a real server: nodes, rooms, one room's players, the actions, the
token, its rate limits, tickets and the OpenAPI description."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from client import TickwireClient
from shared.protocol import EVENTS
from tests.helpers import ADMIN_TOKEN, admin_call, config_with, refusal


@pytest.fixture
def server_config():
    return config_with(admin_token=ADMIN_TOKEN, ping_interval=1)


async def eventually(check: Callable[[], Awaitable[Any]], seconds: float = 5.0) -> Any:
    """Poll ``check()`` (numbers the server samples have no event to wait for) until it
    returns something truthy; fail after ``seconds``."""
    async with asyncio.timeout(seconds):
        while not (result := await check()):
            await asyncio.sleep(0.1)
    return result


async def room_with_two(connect) -> tuple[TickwireClient, TickwireClient, dict, int]:
    host = await connect("Hosty")
    seat = await host.create_room()
    guest = await connect("Guesty")
    joined = await guest.join(code=seat.code)
    return host, guest, seat.room, joined.player_id


async def test_nodes_report_this_servers_numbers_and_history(tickwire, connect):
    await room_with_two(connect)

    async def sampled() -> dict | None:
        status, body = await admin_call(tickwire.url, "GET", "/api/admin/nodes")
        assert status == 200 and len(body["nodes"]) == 1
        node = body["nodes"][0]
        return node if node["now"].get("players") == 2 else None

    node = await eventually(sampled)
    assert node["now"]["rooms"] == 1 and node["now"]["connections"] == 2
    assert node["now"]["rss"] > 10_000_000 and node["draining"] is False
    assert len(node["history"]["players"]) >= 1 and node["history_step"] == 2.0


async def test_rooms_and_one_room_with_its_players(tickwire, connect):
    _host, guest, room, guest_id = await room_with_two(connect)
    for _ in range(3):  # at most 4 are queued per tick
        await guest.send_input(dx=1.0, dy=0.0, aim=0.0, fire=False)
    await guest.sio.emit(EVENTS.input, [1, 0.0, 0.0, 0.0, False])  # seen already: dropped
    status, body = await admin_call(tickwire.url, "GET", "/api/admin/rooms")
    row = next(row for row in body["rooms"] if row["id"] == room["id"])
    assert (row["code"], row["game"], row["players"], row["spectators"]) == (
        room["code"], "arena", 2, 0)
    assert row["node"] == tickwire.lobby.listings.node and row["lagging"] is False

    async def measured() -> dict | None:
        status, detail = await admin_call(tickwire.url, "GET", f"/api/admin/rooms/{room['id']}")
        assert status == 200
        players = {p["name"]: p for p in detail["roster"]}
        ready = detail["bytes_out"] > 0 and all(p["ping_ms"] is not None
                                                for p in players.values())
        return detail if ready and players["Guesty"]["inputs_per_s"] > 0 else None

    detail = await eventually(measured)
    players = {player["name"]: player for player in detail["roster"]}
    assert set(players) == {"Hosty", "Guesty"} and players["Hosty"]["host"] is True
    assert players["Guesty"]["id"] == guest_id and players["Guesty"]["connected"] is True
    assert players["Hosty"]["dropped_inputs"] == 0 and players["Guesty"]["backlog_bytes"] >= 0
    assert 0 <= players["Guesty"]["ping_ms"] < 1000 and detail["tick_p99_ms"] > 0
    status, body = await admin_call(tickwire.url, "GET", "/api/admin/rooms/nosuchroom")
    assert (status, body["code"]) == (404, "room_not_found")


async def test_kick_close_and_start_reach_the_room(tickwire, connect):
    host, guest, room, guest_id = await room_with_two(connect)
    path = f"/api/admin/rooms/{room['id']}"
    assert await admin_call(tickwire.url, "POST", path + "/start", {}) == (
        202, {"ok": True, "node": tickwire.lobby.listings.node})
    await host.wait_until(lambda mirror: host.room["started"])
    status, _ = await admin_call(tickwire.url, "POST", path + "/kick", {"player_id": guest_id})
    assert status == 202
    assert (await guest.wait_closed(5.0))["code"] == "kicked"
    assert (await refusal(guest.join(code=room["code"]))).code == "kicked"
    status, body = await admin_call(tickwire.url, "POST", path + "/kick", {"player_id": "x"})
    assert (status, body["code"]) == (400, "bad_request")
    assert (await admin_call(tickwire.url, "POST", path + "/close", {}))[0] == 202
    assert (await host.wait_closed(5.0))["code"] == "room_closed"
    status, body = await admin_call(tickwire.url, "POST", path + "/close", {})
    assert (status, body["code"]) == (404, "room_not_found")


async def test_a_drained_node_opens_no_room_but_its_rooms_go_on(tickwire, connect):
    _host, _guest, room, _ = await room_with_two(connect)
    node = tickwire.lobby.listings.node
    path = f"/api/admin/nodes/{node}/drain"
    assert (await admin_call(tickwire.url, "POST", path, {"draining": True}))[0] == 202
    late = await connect("Latecomer")
    assert (await refusal(late.create_room())).code == "server_busy"
    assert (await late.join(code=room["code"])).room["id"] == room["id"]
    _, body = await admin_call(tickwire.url, "GET", "/api/admin/nodes")
    assert body["nodes"][0]["draining"] is True
    assert (await admin_call(tickwire.url, "POST", path, {"draining": False}))[0] == 202
    other = await connect("Other")
    assert (await other.create_room()).room["id"] != room["id"]
    status, body = await admin_call(tickwire.url, "POST", "/api/admin/nodes/ghost/drain", {})
    assert (status, body["code"]) == (404, "node_not_found")


async def test_a_wrong_token_is_refused_counted_and_soon_rate_limited(tickwire):
    assert (await admin_call(tickwire.url, "GET", "/api/admin/rooms", token=None))[0] == 401
    status, body = await admin_call(tickwire.url, "GET", "/api/admin/rooms", token="guess")
    assert (status, body["code"]) == (401, "unauthorized")
    async with aiohttp.ClientSession() as http, http.get(tickwire.url + "/metrics") as answer:
        metrics = await answer.text()
    assert 'tickwire_admin_refusals_total{reason="unauthorized"} 2.0' in metrics
    statuses = [(await admin_call(tickwire.url, "GET", "/api/admin/rooms", token="guess"))[0]
                for _ in range(10)]
    assert statuses[:8] == [401] * 8 and statuses[-1] == 429
    async with aiohttp.ClientSession() as http, http.get(
            tickwire.url + "/api/admin/rooms",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as answer:
        assert answer.status == 429 and int(answer.headers["Retry-After"]) >= 1


async def test_the_feed_streams_nodes_rooms_and_a_room_with_a_ticket_only(tickwire, connect):
    _, _, room, _ = await room_with_two(connect)
    status, ticket = await admin_call(tickwire.url, "POST", "/api/admin/tickets", {})
    assert status == 200 and ticket["expires_in"] == 60
    events: dict[str, str] = {}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{tickwire.url}/api/admin/feed",
                            params={"ticket": ticket["ticket"], "room": room["id"]}) as answer:
            assert answer.status == 200
            async with asyncio.timeout(5):
                event = ""
                async for line in answer.content:
                    text = line.decode().strip()
                    if text.startswith("event:"):
                        event = text.split(":", 1)[1].strip()
                    elif text.startswith("data:"):
                        events[event] = text.split(":", 1)[1]
                    if {"nodes", "rooms", "room"} <= set(events):
                        break
        assert room["id"] in events["rooms"] and '"Guesty"' in events["room"]
        forged = ticket["ticket"][:-2] + ("AA" if not ticket["ticket"].endswith("AA") else "BB")
        for bad in (forged, "nonsense", ""):
            async with http.get(f"{tickwire.url}/api/admin/feed",
                                params={"ticket": bad}) as answer:
                assert answer.status == 401


async def test_a_watch_ticket_seats_an_uncounted_observer(tickwire, connect):
    _host, _, room, _ = await room_with_two(connect)
    status, watch = await admin_call(tickwire.url, "POST",
                                     f"/api/admin/rooms/{room['id']}/watch", {})
    assert status == 200 and watch["url"] == "" and watch["room_id"] == room["id"]
    observer = await connect("monitor")
    seat = await observer.join(watch=watch["ticket"])
    assert seat.player_id is None and seat.room["id"] == room["id"]
    await observer.wait_until(lambda mirror: mirror.entity(1) is not None)
    assert tickwire.lobby.rooms[room["id"]].spectator_count == 0
    intruder = await connect("intruder")
    forged = await refusal(intruder.request(EVENTS.join, {"watch": watch["ticket"] + "x"}))
    assert forged.code == "bad_ticket"


@pytest.mark.parametrize("server_config", [config_with(admin_token="")])
async def test_the_monitor_page_without_a_token_explains_how_to_turn_it_on(tickwire):
    status, text = await admin_call(tickwire.url, "GET", "/monitor")
    assert status == 404 and "--admin-token" in text and "TICKWIRE_ADMIN_TOKEN" in text
    status, body = await admin_call(tickwire.url, "POST", "/api/admin/announce",
                                    {"message": "hi"})
    assert (status, body["code"]) == (403, "admin_off")


async def test_openapi_describes_every_admin_route_the_server_has(tickwire):
    status, document = await admin_call(tickwire.url, "GET", "/api/openapi.json", token=None)
    assert status == 200 and document["openapi"].startswith("3.")
    described = {(method.upper(), path) for path, methods in document["paths"].items()
                 for method in methods}
    routed = {(route.method, re.sub(r"{(\w+)}", r"{\1}", route.resource.canonical))
              for route in tickwire.server.app.router.routes()
              if route.resource is not None and route.resource.canonical.startswith("/api/")
              and route.method != "HEAD" and "/rooms/feed" not in route.resource.canonical}
    assert routed == described
    kick = document["paths"]["/api/admin/rooms/{room_id}/kick"]["post"]
    schema = kick["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["player_id"] and schema["additionalProperties"] is False
