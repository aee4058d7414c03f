"""The admin API over two real node processes: every node's numbers and rooms from any node,
a room on another node described, watched, closed and kicked from, and a drained node that
gets no new rooms."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from client import TickwireClient
from tests.cluster.servers import NodeServer, client_at, running_nodes, within

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def nodes() -> AsyncIterator[list[NodeServer]]:
    async with running_nodes(2, "a", "--joins-per-minute-per-address", "100000") as started:
        yield started


async def get(node: NodeServer, path: str) -> Any:
    status, body = await node.admin_get(path)
    assert status == 200, body
    return body


async def room_of_two(nodes: list[NodeServer], clients: list[TickwireClient]
                      ) -> tuple[dict, NodeServer, NodeServer, TickwireClient, int]:
    host = await client_at(clients, nodes[0].url, "host")
    seat = await host.create_room()
    guest = await client_at(clients, nodes[1].url, "guest")
    joined = await guest.join(code=seat.code)
    owner = next(node for node in nodes if node.url == host.sio.connection_url)
    other = next(node for node in nodes if node is not owner)
    return seat.room, owner, other, guest, joined.player_id


async def test_any_node_shows_every_nodes_numbers_and_rooms(
        nodes: list[NodeServer], clients: list[TickwireClient]) -> None:
    room, owner, other, _, _ = await room_of_two(nodes, clients)

    async def both_reported() -> bool:
        reports = {n["id"]: n for n in (await get(other, "/api/admin/nodes"))["nodes"]}
        return set(reports) == {"a1", "a2"} and reports[owner.node_id]["now"].get("players") == 2

    await within(6.0, both_reported)
    reports = {n["id"]: n for n in (await get(other, "/api/admin/nodes"))["nodes"]}
    assert reports[owner.node_id]["public_url"] == owner.url
    assert len(reports[owner.node_id]["history"]["players"]) >= 1

    async def listed() -> bool:
        rows = (await get(other, "/api/admin/rooms"))["rooms"]
        return any(row["id"] == room["id"] and row["node"] == owner.node_id for row in rows)

    await within(4.0, listed)
    detail = await get(other, f"/api/admin/rooms/{room['id']}")
    assert [p["name"] for p in detail["roster"]] == ["host", "guest"]
    assert detail["node"] == owner.node_id


async def test_a_room_on_another_node_is_watched_kicked_from_and_closed(
        nodes: list[NodeServer], clients: list[TickwireClient]) -> None:
    room, owner, other, guest, guest_id = await room_of_two(nodes, clients)
    status, grant = await other.admin("rooms/" + room["id"] + "/watch", {})
    assert status == 200 and grant["url"] == owner.url
    watcher = await client_at(clients, grant["url"], "monitor")
    watched = await watcher.join(watch=grant["ticket"])
    assert watched.player_id is None and watched.room["id"] == room["id"]
    status, body = await other.admin(f"rooms/{room['id']}/kick", {"player_id": guest_id})
    assert (status, body) == (202, {"ok": True, "node": owner.node_id})
    assert (await guest.wait_closed(5.0))["code"] == "kicked"
    assert (await other.admin(f"rooms/{room['id']}/close", {}))[0] == 202
    assert (await watcher.wait_closed(5.0))["code"] == "room_closed"


async def test_a_drained_node_gets_no_new_rooms_until_undone(
        nodes: list[NodeServer], clients: list[TickwireClient]) -> None:
    drained, open_node = nodes[1], nodes[0]
    status, body = await open_node.admin(f"nodes/{drained.node_id}/drain", {"draining": True})
    assert (status, body) == (202, {"ok": True, "node": drained.node_id})

    async def draining() -> bool:
        reports = {n["id"]: n for n in (await get(open_node, "/api/admin/nodes"))["nodes"]}
        return reports[drained.node_id].get("draining") is True

    await within(4.0, draining)
    for index in range(4):
        creator = await client_at(clients, drained.url, f"maker{index}")
        await creator.create_room()
        assert creator.sio.connection_url == open_node.url
    assert (await drained.admin(f"nodes/{drained.node_id}/drain", {"draining": False}))[0] == 202
