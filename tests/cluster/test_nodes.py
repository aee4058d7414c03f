"""NodeRegistry against real Redis: registration, load ranking, death by SIGKILL, clean stop,
Redis losing everything, Redis unreachable, refusals."""

from __future__ import annotations

import asyncio
import sys
import time
from asyncio.subprocess import Process
from collections.abc import Awaitable, Callable

import pytest
from redis.asyncio import Redis

from server.cluster.directory_redis import RedisDirectory
from server.cluster.nodes import ClusterMismatch, NodeRegistry, fingerprint
from server.cluster.redis_link import connect
from shared.protocol import VERSION, ProtocolError
from tests.cluster.helpers import REDIS_URL, NodeFactory, PrivateRedis
from tests.helpers import free_port


async def test_nodes_register_their_info_and_rank_by_players_then_cpu(
        make_node: NodeFactory, redis: Redis, prefix: str) -> None:
    nodes = []
    for node_id, players in (("busy", 5), ("calm", 2), ("idle", 2)):
        node = await make_node(node_id, start=False, secret="s3cret", heartbeat=60)
        await node.open_room(f"{node_id[:4].upper()}22", players=players)
        await node.registry.start()
        nodes.append(node)

    info = {node.id: node for node in await nodes[0].registry.nodes()}
    assert set(info) == {"busy", "calm", "idle"}
    busy = info["busy"]
    assert (busy.public_url, busy.protocol, busy.fingerprint, busy.players, busy.rooms) == (
        "http://127.0.0.1/busy", VERSION, fingerprint("s3cret"), 5, 1)
    await redis.hset(f"{prefix}node:calm", "cpu", "0.9")
    await redis.hset(f"{prefix}node:idle", "cpu", "0.1")
    assert await nodes[0].registry.ranked() == ["idle", "calm", "busy"]
    least = await nodes[1].registry.least_loaded()
    assert least is not None and least.id == "idle"


async def test_a_killed_node_vanishes_with_its_rooms_within_5_seconds(
        make_node: NodeFactory, redis: Redis, prefix: str) -> None:
    watcher = await make_node("watcher")
    feed = watcher.directory.subscribe_listings()
    assert (await anext(feed)).kind == "resync"
    doomed = await _start_node_process(prefix, "doomed", "KILL22", "KILL33")
    try:
        assert (await anext(feed)).kind == "put"
        assert (await anext(feed)).kind == "put"
        assert await watcher.directory.by_code("KILL22") is not None
        doomed.kill()  # SIGKILL
        killed = time.monotonic()
        await _within(5.0, lambda: _is_none(watcher.directory.by_code("KILL22")))
        removed = {(await anext(feed)).room_id for _ in range(2)}
        assert removed == {"doomed-KILL22", "doomed-KILL33"}
        assert time.monotonic() - killed < 5.0
        assert not await redis.exists(f"{prefix}room:doomed-KILL22", f"{prefix}code:KILL33")
        assert [node.id for node in await watcher.registry.nodes()] == ["watcher"]
    finally:
        if doomed.returncode is None:
            doomed.kill()
        await doomed.wait()
        await feed.aclose()


async def test_a_restarted_process_takes_its_node_id_back_without_the_old_rooms(
        make_node: NodeFactory, prefix: str) -> None:
    old = await _start_node_process(prefix, "w1", "OLDR22")
    old.kill()
    await old.wait()
    successor = await make_node("w1")  # waits for the dead one's key to expire
    assert successor.registry.healthy
    assert await successor.directory.by_code("OLDR22") is None
    assert [node.id for node in await successor.registry.nodes()] == ["w1"]


async def test_a_node_id_held_by_a_live_process_is_refused(make_node: NodeFactory) -> None:
    await make_node("twin", heartbeat=0.2, ttl=0.6)
    with pytest.raises(ClusterMismatch, match="in use by another live process"):
        await make_node("twin", heartbeat=0.2, ttl=0.6)


async def test_a_clean_stop_removes_the_node_and_its_rooms_at_once(
        make_node: NodeFactory, redis: Redis, prefix: str) -> None:
    leaving = await make_node("leaving")
    staying = await make_node("staying")
    room = await leaving.open_room("LEAV22")
    await leaving.registry.stop()
    assert await staying.directory.by_code("LEAV22") is None
    assert not await redis.exists(f"{prefix}room:{room.id}", f"{prefix}node:leaving")
    assert [node.id for node in await staying.registry.nodes()] == ["staying"]


async def test_a_node_re_registers_its_rooms_when_redis_lost_them(
        make_node: NodeFactory, redis: Redis, prefix: str) -> None:
    node = await make_node("n1")
    room = await node.open_room("LOST22", players=3)
    keys = [key async for key in redis.scan_iter(match=prefix + "*")]
    await redis.delete(*keys)  # what a Redis restarted empty looks like to this prefix
    assert await node.directory.by_code("LOST22") is None

    await _within(5.0, lambda: _is_not_none(node.directory.by_code("LOST22")))
    assert await node.directory.by_code("LOST22") == room
    assert [n.id for n in await node.registry.nodes()] == ["n1"]


async def test_a_node_rides_out_a_real_redis_restart(
        make_node: NodeFactory, private_redis: PrivateRedis) -> None:
    await private_redis.start()
    node = await make_node("n1", url=private_redis.url)
    room = await node.open_room("BACK22")
    private_redis.kill()
    await _within(3.0, lambda: _is_false(lambda: node.registry.healthy))
    with pytest.raises(ProtocolError, match="cluster_unavailable"):
        await node.directory.by_code("BACK22")

    await private_redis.start()
    await _within(5.0, lambda: _is_not_none(node.directory.by_code("BACK22")))
    assert node.registry.healthy
    assert await node.directory.by_code("BACK22") == room


async def test_a_node_without_redis_starts_degraded_and_says_so_fast(prefix: str) -> None:
    directory = RedisDirectory(connect(f"redis://127.0.0.1:{free_port()}/0"), prefix)
    registry = NodeRegistry(directory, "lonely", "http://127.0.0.1/lonely", lambda: [])
    started = time.monotonic()
    await registry.start()
    assert time.monotonic() - started < 2.0
    assert not registry.healthy
    with pytest.raises(ProtocolError, match="cluster_unavailable"):
        registry.secret  # noqa: B018 - the property is what is tested
    with pytest.raises(ProtocolError, match="cluster_unavailable"):
        await registry.nodes()
    await registry.stop()
    await directory.redis.aclose()


async def test_nodes_of_another_protocol_or_secret_refuse_to_join(
        make_node: NodeFactory) -> None:
    first = await make_node("first", secret="alpha")
    with pytest.raises(ClusterMismatch, match=f"speaks protocol {VERSION + 1} but the "
                                              f"cluster speaks {VERSION}"):
        await make_node("newer", secret="alpha", protocol=VERSION + 1)
    with pytest.raises(ClusterMismatch, match="give every node the same --cluster-secret"):
        await make_node("stranger", secret="beta")
    assert [node.id for node in await first.registry.nodes()] == ["first"]


async def test_nodes_without_a_configured_secret_share_a_random_one(
        make_node: NodeFactory) -> None:
    one = await make_node("one")
    two = await make_node("two")
    assert one.registry.secret == two.registry.secret
    assert len(one.registry.secret) >= 32


async def _start_node_process(prefix: str, node_id: str, *codes: str) -> Process:
    """A node in a process of its own, once its rooms are claimed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.cluster.node_process", REDIS_URL, prefix, node_id, *codes,
        stdout=asyncio.subprocess.PIPE)
    assert process.stdout is not None
    assert await process.stdout.readline() == b"ready\n"
    return process


async def _within(seconds: float, condition: Callable[[], Awaitable[bool]]) -> None:
    """Poll ``condition`` until it holds; fail if it does not within ``seconds``."""
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, f"not within {seconds} s"
        await asyncio.sleep(0.05)


async def _is_none(call: Awaitable[object]) -> bool:
    return await call is None


async def _is_not_none(call: Awaitable[object]) -> bool:
    try:
        return await call is not None
    except ProtocolError:
        return False


async def _is_false(read: Callable[[], bool]) -> bool:
    return not read()
