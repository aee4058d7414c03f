"""Cluster fixtures: the real Redis at 127.0.0.1:6379 under a key prefix of each test's own,
nodes (directory + registry, each with its own connections), and a private redis-server
that a test may stop and start again."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from server.cluster.directory_redis import RedisDirectory
from server.cluster.nodes import NodeRegistry
from server.cluster.redis_link import connect
from server.directory import RoomListing

# Database 13 of the shared Redis, keys under a random prefix per test; nothing is flushed.
REDIS_URL = "redis://127.0.0.1:6379/13"


@dataclass
class Node:
    """One simulated node: its directory, its registry and the rooms it runs."""

    directory: RedisDirectory
    registry: NodeRegistry
    rooms: dict[str, RoomListing] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.registry.node_id

    async def open_room(self, code: str, public: bool = True, players: int = 0,
                        max_players: int = 8, game: str = "arena",
                        settings_key: str = "") -> RoomListing:
        """Claim a room on this node (it must succeed) and keep it as a local room."""
        listing = RoomListing(id=secrets.token_urlsafe(9), code=code, game=game, public=public,
                              players=players, max_players=max_players, spectators=0,
                              started=False, node=self.id)
        assert await self.directory.claim(listing, settings_key)
        self.rooms[listing.id] = listing
        return listing


NodeFactory = Callable[..., Awaitable[Node]]


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    value = f"tw:test:{secrets.token_hex(6)}:"
    yield value
    client = connect(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=value + "*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
async def redis(prefix: str) -> AsyncIterator[Redis]:
    """A client of the shared Redis for looking at keys directly."""
    client = connect(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
async def make_node(prefix: str) -> AsyncIterator[NodeFactory]:
    """``await make_node("n1")``: a registered node with its own Redis connections."""
    made: list[Node] = []

    async def factory(node_id: str, url: str = REDIS_URL, start: bool = True,
                      **options: Any) -> Node:
        directory = RedisDirectory(connect(url), prefix)
        rooms: dict[str, RoomListing] = {}
        registry = NodeRegistry(directory, node_id, f"http://127.0.0.1/{node_id}",
                                lambda: rooms.values(), **options)
        node = Node(directory, registry, rooms)
        made.append(node)
        if start:
            await registry.start()
        return node

    yield factory
    for node in made:
        await node.registry.stop()
        await node.directory.redis.aclose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test's own (nothing on disk), to stop and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = connect(self.url)
        try:
            for _ in range(100):
                with contextlib.suppress(RedisError):
                    if await client.ping():
                        return
                await asyncio.sleep(0.05)
            raise RuntimeError("private redis-server did not start")
        finally:
            await client.aclose()

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.kill()
