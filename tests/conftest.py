"""Shared fixtures: a real Tickwire server on a random loopback port, and real clients.

Helpers that test modules import are in ``tests/helpers.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from client import TickwireClient
from server.app import build_app
from server.config import ServerConfig
from server.games import GAMES
from server.games.base import Game
from tests.helpers import TEST_CONFIG, ClientFactory, RunningServer


@pytest.fixture
def server_config() -> ServerConfig:
    """Override in a test module to change limits."""
    return TEST_CONFIG


@pytest.fixture
def server_games() -> dict[str, type[Game]]:
    """Override in a test module to offer other games."""
    return GAMES


@pytest.fixture
async def tickwire(server_config: ServerConfig, server_games: dict[str, type[Game]]
                   ) -> AsyncIterator[RunningServer]:
    """A Tickwire server listening on 127.0.0.1 at a random port."""
    server = TestServer(build_app(server_config, server_games), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield RunningServer(server)
    finally:
        await server.close()


@pytest.fixture
async def connect(tickwire: RunningServer) -> AsyncIterator[ClientFactory]:
    """``await connect(name)`` gives a connected client, disconnected after the test."""
    clients: list[TickwireClient] = []

    async def factory(name: str | None = None, **options: Any) -> TickwireClient:
        client = TickwireClient(name, **options)
        clients.append(client)
        await client.connect(tickwire.url)
        return client

    yield factory
    for client in clients:
        if client.connected:
            await client.disconnect()
