"""Real node processes when things go wrong: a node killed with SIGKILL, Redis stopped and
restarted empty, nodes that may not join (another protocol version, another secret)."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import signal
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from client import TickwireClient, TickwireError
from server.cluster.nodes import fingerprint
from server.cluster.redis_link import connect
from tests.cluster.helpers import PrivateRedis
from tests.cluster.servers import ADMIN_TOKEN, NodeServer, start_node, within


@pytest.fixture
async def clients() -> AsyncIterator[list[TickwireClient]]:
    made: list[TickwireClient] = []
    yield made
    await asyncio.gather(*(client.disconnect() for client in made if client.connected))


@pytest.fixture
async def stoppable() -> AsyncIterator[list[NodeServer]]:
    """Nodes a test starts; any still running are stopped after it."""
    started: list[NodeServer] = []
    yield started
    for node in started:
        if node.process.returncode is None:
            await node.stop(signal.SIGKILL)


async def client_of(clients: list[TickwireClient], url: str, name: str) -> TickwireClient:
    client = TickwireClient(name)
    clients.append(client)
    await client.connect(url)
    return client


async def late_ticks(node: NodeServer) -> int:
    async with aiohttp.ClientSession() as http, http.get(node.url + "/metrics") as answer:
        text = await answer.text()
    return int(float(re.search(r"^tickwire_ticks_late_total (\S+)$", text, re.M).group(1)))


async def test_a_killed_nodes_rooms_leave_the_listings_within_5_s_and_quick_join_goes_on(
        prefix: str, stoppable: list[NodeServer], clients: list[TickwireClient]) -> None:
    doomed = await start_node(prefix, "doomed")  # alone: its rooms stay on it
    stoppable.append(doomed)
    hosts = [await client_of(clients, doomed.url, f"h{i}") for i in range(2)]
    on_doomed = {(await host.create_room(public=True)).room["id"] for host in hosts}
    survivor = await start_node(prefix, "survivor")
    stoppable.append(survivor)
    viewer = await client_of(clients, survivor.url, "viewer")
    assert on_doomed <= {room["id"] for room in await viewer.list_rooms()}

    doomed.process.send_signal(signal.SIGKILL)
    async def gone() -> bool:
        return not on_doomed & {room["id"] for room in await viewer.list_rooms()}
    assert await within(5.0, gone) < 5.0

    late = await client_of(clients, survivor.url, "late")
    seat = await late.quick_join()
    assert seat.room["id"] not in on_doomed and late.sio.connection_url == survivor.url
    down = await first_event(survivor, "node.down")  # the survivor swept it: it tells
    assert down["subject"] == "doomed" and down["data"] == {"node": "doomed", "reason": "lost"}
    assert down["source"] == "/tickwire/survivor"


async def first_event(node: NodeServer, type_: str) -> dict[str, Any]:
    """The first event of ``type_`` in ``node``'s event stream (its history included)."""
    async with aiohttp.ClientSession() as http, http.get(
            f"{node.url}/api/events?type={type_}&last_event_id=0",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as stream:
        async with asyncio.timeout(5):
            while not (line := (await stream.content.readline()).decode()).startswith("data:"):
                pass
    return json.loads(line[5:])


async def test_redis_down_and_restarted_empty(
        prefix: str, private_redis: PrivateRedis, stoppable: list[NodeServer],
        clients: list[TickwireClient]) -> None:
    await private_redis.start()
    nodes = await asyncio.gather(*(start_node(prefix, f"r{i}", redis_url=private_redis.url)
                                   for i in (1, 2)))
    stoppable.extend(nodes)
    host = await client_of(clients, nodes[0].url, "steady")
    seat = await host.create_room(public=True)
    owner = next(node for node in nodes if node.url == host.sio.connection_url)
    await host.wait_until(lambda mirror: mirror.tick > 5)
    late_before = await late_ticks(owner)

    private_redis.kill()
    tick_at_kill = host.mirror.tick
    asker = await client_of(clients, nodes[1].url, "asker")
    began = time.monotonic()
    with pytest.raises(TickwireError) as refused:
        await asker.quick_join()
    assert refused.value.code == "cluster_unavailable"
    assert time.monotonic() - began < 2.0

    async def degraded() -> bool:
        return [(await node.health())["status"] for node in nodes] == ["degraded"] * 2
    await within(3.0, degraded)
    await asyncio.sleep(1.0)  # the room ticks on while Redis is away
    await host.wait_until(lambda mirror: mirror.tick >= tick_at_kill + 40, timeout=5.0)
    assert await late_ticks(owner) == late_before

    await private_redis.start()  # empty: it keeps nothing
    async def recovered() -> bool:
        healthy = [(await node.health())["status"] for node in nodes] == ["ok"] * 2
        return healthy and seat.room["id"] in {r["id"] for r in await asker.list_rooms()}
    assert await within(5.0, recovered) < 5.0
    joined = await asker.join(code=seat.code)  # the code is known cluster-wide again
    assert joined.room["id"] == seat.room["id"] and asker.sio.connection_url == owner.url
    assert await late_ticks(owner) == late_before


@pytest.mark.parametrize("conflict", ["secret", "protocol"])
async def test_a_node_that_does_not_match_the_cluster_refuses_to_start_and_says_why(
        prefix: str, redis: object, stoppable: list[NodeServer], conflict: str) -> None:
    if conflict == "protocol":
        await redis.hset(f"{prefix}cluster", mapping={  # type: ignore[attr-defined]
            "protocol": "999", "fingerprint": fingerprint("shared")})
    else:
        stoppable.append(await start_node(prefix, "first", "--cluster-secret", "shared"))
    misfit = await start_node(prefix, "misfit", "--cluster-secret",
                              "other" if conflict == "secret" else "shared", wait=False)
    stoppable.append(misfit)
    await exits_refused(misfit, "cluster speaks 999" if conflict == "protocol"
                        else "give every node the same --cluster-secret")


async def test_a_node_started_degraded_stops_when_redis_comes_back_and_refuses_it(
        prefix: str, private_redis: PrivateRedis, stoppable: list[NodeServer]) -> None:
    misfit = await start_node(prefix, "misfit", "--cluster-secret", "shared",
                              redis_url=private_redis.url)  # Redis not started: degraded
    stoppable.append(misfit)
    assert (await misfit.health())["status"] == "degraded"
    await private_redis.start()
    redis = connect(private_redis.url)
    try:
        await redis.hset(f"{prefix}cluster", mapping={
            "protocol": "999", "fingerprint": fingerprint("shared")})
    finally:
        await redis.aclose()
    await exits_refused(misfit, "cluster speaks 999")


async def exits_refused(misfit: NodeServer, reason: str) -> None:
    """``misfit`` exits (within 20 s) with status 2, saying it cannot join and ``reason``."""
    try:
        async with asyncio.timeout(20):
            await misfit.process.wait()
    except TimeoutError:
        raise AssertionError("the node did not stop; it printed:\n"
                             + await misfit.stop(signal.SIGKILL)) from None
    text = await misfit.stop()
    assert misfit.process.returncode == 2, text
    assert "Tickwire cannot join the cluster" in text
    assert reason in text and "Traceback" not in text


async def test_announcements_over_rabbitmq_reach_every_node(
        prefix: str, stoppable: list[NodeServer], clients: list[TickwireClient]) -> None:
    queue = "amqp://guest:guest@127.0.0.1:5672/"
    nodes = await asyncio.gather(*(start_node(prefix, f"a{i}", "--message-queue", queue)
                                   for i in (1, 2)))
    stoppable.extend(nodes)
    listeners = [await client_of(clients, node.url, f"ear{i}") for i, node in enumerate(nodes)]
    host = await client_of(clients, nodes[0].url, "host")
    seat = await host.create_room()
    victim = await client_of(clients, nodes[1].url, "victim")
    joined = await victim.join(code=seat.code)
    text = f"over rabbit {secrets.token_hex(3)}"
    # each node's queue consumer attaches in the background once the node is up
    for attempt in range(50):
        assert (await nodes[1].admin("announce", {"message": text}))[0] == 202
        try:
            for listener in listeners:
                await listener.announcements.first(lambda n: n["message"] == text, 0.2)
            break
        except TimeoutError:
            assert attempt < 49
    other = next(node for node in nodes if node.url != host.sio.connection_url)
    status, _ = await other.admin("kick", {"room_id": seat.room["id"],
                                           "player_id": joined.player_id})
    assert status == 202
    assert (await victim.wait_closed(5.0))["code"] == "kicked"
