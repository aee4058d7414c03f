"""Shared fixtures: a real Tickwire server on a random loopback port, and real clients."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp.test_utils import TestServer

from client import TickwireClient
from server.app import build_app
from server.config import ServerConfig
from server.lobby import Lobby
from server.app import LOBBY

TEST_CONFIG = ServerConfig(host="127.0.0.1", port=0, empty_room_grace=0.3, web_root="")

ClientFactory = Callable[..., Awaitable[TickwireClient]]


class RunningServer:
    """A server under test: its URL and its in-process lobby (for checking server state)."""

    def __init__(self, server: TestServer) -> None:
        self.server = server
        self.url = str(server.make_url("")).rstrip("/")
        self.lobby: Lobby = server.app[LOBBY]


@pytest.fixture
def server_config() -> ServerConfig:
    """Override in a test module to change limits."""
    return TEST_CONFIG


@pytest.fixture
async def tickwire(server_config: ServerConfig) -> AsyncIterator[RunningServer]:
    """A Tickwire server listening on 127.0.0.1 at a random port."""
    server = TestServer(build_app(server_config), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield RunningServer(server)
    finally:
        await server.close()


@pytest.fixture
async def connect(tickwire: RunningServer) -> AsyncIterator[ClientFactory]:
    """``await connect(name)`` gives a connected client, disconnected after the test."""
    clients: list[TickwireClient] = []

    async def factory(name: str | None = None, **options) -> TickwireClient:
        client = TickwireClient(name, **options)
        clients.append(client)
        await client.connect(tickwire.url)
        return client

    yield factory
    for client in clients:
        if client.connected:
            await client.disconnect()


def config_with(**changes) -> ServerConfig:
    """The test configuration with some fields changed."""
    return dataclasses.replace(TEST_CONFIG, **changes)
