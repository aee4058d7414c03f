"""Shared fixtures: a real Tickwire server on a random loopback port, and real clients."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp.test_utils import TestServer

from client import TickwireClient, TickwireError
from server.app import LOBBY, build_app
from server.config import ServerConfig
from server.games import GAMES
from server.games.base import Game
from server.lobby import Lobby
from server.room import Room

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

    async def factory(name: str | None = None, **options) -> TickwireClient:
        client = TickwireClient(name, **options)
        clients.append(client)
        await client.connect(tickwire.url)
        return client

    yield factory
    for client in clients:
        if client.connected:
            await client.disconnect()


async def refusal(attempt: Awaitable[object]) -> TickwireError:
    """The error the server answers ``attempt`` with (fails the test if it succeeds)."""
    with pytest.raises(TickwireError) as refused:
        await attempt
    return refused.value


def record_server_digests(room: Room) -> dict[int, str]:
    """Spy on a room: the canonical digest of every state it broadcasts, by tick."""
    digests: dict[int, str] = {}
    advance = room.sync.advance

    def recording(*args, **kwargs):
        message = advance(*args, **kwargs)
        digests[room.sync.tick] = room.sync.digest()
        return message

    room.sync.advance = recording
    return digests


def record_client_digests(client: TickwireClient) -> dict[int, str]:
    """The digest of a client's mirror after every update, by tick."""
    digests: dict[int, str] = {}
    client.on_state(lambda mirror: digests.__setitem__(mirror.tick, mirror.digest()))
    return digests


def config_with(**changes) -> ServerConfig:
    """The test configuration with some fields changed."""
    return dataclasses.replace(TEST_CONFIG, **changes)
