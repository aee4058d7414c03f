"""Three real node processes sharing one Redis (a key prefix of this module's own): rooms go
to one node and are reached through any other by redirects the client follows, quick join is
cluster-wide and race-safe, tokens resume through the wrong node, announcements and kicks
cross nodes, and each node accepts the others' page origins."""

from __future__ import annotations

import asyncio
import math
import secrets
from collections import Counter
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from client import TickwireClient, TickwireError
from tests.cluster.servers import NodeServer, client_at, running_nodes

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def nodes() -> AsyncIterator[list[NodeServer]]:
    async with running_nodes(3, "n", "--joins-per-minute-per-address", "100000") as started:
        yield started


async def rooms_by_node(nodes: list[NodeServer]) -> dict[str, int]:
    return {node.node_id: (await node.health())["rooms"] for node in nodes}


async def test_a_private_room_made_through_one_node_is_joined_by_code_through_another(
        nodes: list[NodeServer], clients: list[TickwireClient]) -> None:
    before = await rooms_by_node(nodes)
    host = await client_at(clients, nodes[0].url, "host")
    seat = await host.create_room(public=False)
    guest = await client_at(clients, nodes[2].url, "guest")
    joined = await guest.join(code=seat.code.lower())

    assert joined.room["id"] == seat.room["id"]
    assert host.sio.connection_url == guest.sio.connection_url  # both on the owner
    after = await rooms_by_node(nodes)
    grown = [node for node in after if after[node] == before[node] + 1]
    assert len(grown) == 1 and sum(after.values()) == sum(before.values()) + 1
    owner = next(node for node in nodes if node.node_id == grown[0])
    assert guest.sio.connection_url == owner.url
    assert guest.redirects == (0 if owner is nodes[2] else 1)
    await guest.wait_until(lambda mirror: guest.joined.player_id in mirror.entities)
    assert [p["name"] for p in guest.room["players"]] == ["host", "guest"]


async def test_sixty_simultaneous_quick_joins_over_three_nodes_fill_rooms_exactly(
        nodes: list[NodeServer], clients: list[TickwireClient]) -> None:
    settings = {"npcs": 1 + secrets.randbelow(60)}  # a quick-join pool of this test's own
    players = [TickwireClient(f"q{index}") for index in range(60)]
    clients.extend(players)
    await asyncio.gather(*(player.connect(nodes[index % 3].url)
                           for index, player in enumerate(players)))
    seats = await asyncio.gather(*(player.quick_join(settings=settings) for player in players))

    per_room = Counter(seat.room["id"] for seat in seats)
    assert len(per_room) == math.ceil(60 / 8)
    assert max(per_room.values()) <= 8
    assert sorted(per_room.values(), reverse=True)[:7] == [8] * 7
    owners = {seat.room["id"]: player.sio.connection_url for seat, player in zip(
        seats, players, strict=True)}
    for room_id, url in owners.items():  # every member of a room is on one node
        assert {p.sio.connection_url for s, p in zip(seats, players, strict=True)
                if s.room["id"] == room_id} == {url}


async def test_a_token_from_before_a_redirect_resumes_through_the_wrong_node(
        nodes: list[NodeServer], clients: list[TickwireClient]) -> None:
    host = await client_at(clients, nodes[1].url, "keeper")
    seat = await host.create_room()
    await host.wait_until(lambda mirror: mirror.tick > 2)
    owner = next(node for node in nodes if node.url == host.sio.connection_url)
    elsewhere = next(node for node in nodes if node is not owner)
    await host.drop_connection()
    resumed = await host.reconnect(elsewhere.url)
    assert resumed.room["id"] == seat.room["id"]
    assert host.sio.connection_url == owner.url and host.redirects >= 1
    await host.wait_until(lambda mirror: mirror.tick > 2)


async def test_reservations_are_single_use_and_cannot_be_forged(
        nodes: list[NodeServer], clients: list[TickwireClient]) -> None:
    host = await client_at(clients, nodes[0].url, "owner")
    seat = await host.create_room()
    owner = next(node for node in nodes if node.url == host.sio.connection_url)
    elsewhere = next(node for node in nodes if node is not owner)
    spy = await client_at(clients, elsewhere.url, "spy")
    with pytest.raises(TickwireError) as moved:
        await spy.request("join", {"code": seat.code})
    assert moved.value.code == "moved"
    redirect = moved.value.redirect
    assert redirect is not None and redirect["url"] == owner.url
    assert redirect["room"] == seat.room["id"]

    first = await client_at(clients, owner.url, "first")
    await first.request("join", {"reservation": redirect["reservation"]})
    second = await client_at(clients, owner.url, "second")
    for token in (redirect["reservation"], redirect["reservation"][:-2] + "AA", "v1.e30.x"):
        with pytest.raises(TickwireError) as refused:
            await second.request("join", {"reservation": token})
        assert refused.value.code == "bad_reservation"
    with pytest.raises(TickwireError) as both:
        await second.request("join", {"reservation": "v1.a.b", "code": seat.code})
    assert both.value.code == "bad_request"


async def test_an_announcement_reaches_clients_on_every_node(
        nodes: list[NodeServer], clients: list[TickwireClient]) -> None:
    listeners = [await client_at(clients, node.url, f"ear{i}") for i, node in enumerate(nodes)]
    text = f"maintenance {secrets.token_hex(3)}"
    status, body = await nodes[1].admin("announce", {"message": text})
    assert (status, body) == (202, {"ok": True})
    for listener in listeners:
        notice = await listener.announcements.first(lambda n: n["message"] == text, 5.0)
        assert notice == {"message": text}
    assert (await nodes[0].admin("announce", {"message": text}, token="wrong"))[0] == 401
    assert (await nodes[0].admin("announce", {"message": ""}))[0] == 202
    status, body = await nodes[0].admin("announce", {"message": "x" * 201})
    assert status == 400 and body["code"] == "bad_request"


async def test_an_admin_kick_on_one_node_kicks_on_the_rooms_node(
        nodes: list[NodeServer], clients: list[TickwireClient]) -> None:
    host = await client_at(clients, nodes[0].url, "boss")
    seat = await host.create_room()
    victim = await client_at(clients, nodes[0].url, "victim")
    joined = await victim.join(code=seat.code)
    owner = next(node for node in nodes if node.url == host.sio.connection_url)
    other = next(node for node in nodes if node is not owner)
    status, body = await other.admin("kick", {"room_id": seat.room["id"],
                                              "player_id": joined.player_id})
    assert (status, body) == (202, {"ok": True, "node": owner.node_id})
    closed = await victim.wait_closed(5.0)
    assert closed["code"] == "kicked"
    await host.wait_until(lambda mirror: joined.player_id not in mirror.entities)
    status, body = await other.admin("kick", {"room_id": "nosuchroom", "player_id": 1})
    assert status == 404 and body["code"] == "room_not_found"


async def test_nodes_accept_each_others_page_origins_and_pages_may_connect_to_all(
        nodes: list[NodeServer]) -> None:
    async def handshake(node: NodeServer, origin: str) -> int:
        async with aiohttp.ClientSession() as http, http.get(
                f"{node.url}/socket.io/?EIO=4&transport=websocket",
                headers={"Origin": origin, "Connection": "Upgrade", "Upgrade": "websocket",
                         "Sec-WebSocket-Version": "13",
                         "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}) as answer:
            return answer.status

    assert await handshake(nodes[0], nodes[2].url) == 101
    assert await handshake(nodes[0], nodes[0].url) == 101
    assert await handshake(nodes[0], "http://evil.example") == 400
    health = await nodes[0].health()
    assert health["status"] == "ok" and health["node"] == "n1"


async def test_the_public_list_is_the_whole_clusters(
        nodes: list[NodeServer], clients: list[TickwireClient]) -> None:
    made = []
    for index, node in enumerate(nodes):
        host = await client_at(clients, node.url, f"lister{index}")
        made.append((await host.create_room(public=True)).room["id"])
    for node in nodes:
        viewer = await client_at(clients, node.url, "viewer")
        listed = {room["id"] for room in await viewer.list_rooms()}
        assert set(made) <= listed
