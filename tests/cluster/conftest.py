"""Cluster fixtures: the real Redis at 127.0.0.1:6379 under a key prefix of each test's own,
nodes (directory + registry, each with its own connections), and a private redis-server
that a test may stop and start again. What test modules import is in ``helpers.py``."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from client import TickwireClient
from server.cluster.directory_redis import RedisDirectory
from server.cluster.nodes import NodeRegistry
from server.cluster.redis_link import connect
from server.directory import RoomListing
from tests.cluster.helpers import REDIS_URL, Node, NodeFactory, PrivateRedis, forget_prefix


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    value = f"tw:test:{secrets.token_hex(6)}:"
    yield value
    await forget_prefix(value)


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


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.kill()


@pytest_asyncio.fixture(loop_scope="module")
async def clients() -> AsyncIterator[list[TickwireClient]]:
    """Clients a test makes (``servers.client_at``), disconnected after it."""
    made: list[TickwireClient] = []
    yield made
    await asyncio.gather(*(client.disconnect() for client in made if client.connected))
