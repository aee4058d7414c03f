"""Helpers the cluster tests share: the shared Redis's address, simulated nodes, and a
redis-server of a test's own."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from redis.exceptions import RedisError

from server.cluster.directory_redis import RedisDirectory
from server.cluster.nodes import NodeRegistry
from server.cluster.redis_link import connect
from server.directory import RoomListing
from tests.helpers import free_port

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


def free_port_run(length: int) -> int:
    """A port such that it and the ``length - 1`` ports after it are free."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + length > 65535:
            continue
        try:
            for port in range(base, base + length):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no run of free ports")


async def json_when_up(url: str, wait: float) -> dict[str, Any]:
    """The JSON at ``url``, waiting up to ``wait`` seconds for something to listen there."""
    deadline = time.monotonic() + wait
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        while True:
            try:
                async with http.get(url) as response:
                    return await response.json()
            except aiohttp.ClientConnectionError:
                assert time.monotonic() < deadline, f"nothing answers at {url}"
                await asyncio.sleep(0.05)


async def forget_prefix(prefix: str) -> None:
    """Delete every key of the shared Redis under ``prefix`` (a test's own)."""
    redis = connect(REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter(match=prefix + "*", count=1000)]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()
