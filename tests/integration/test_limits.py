"""Server-wide limits: connections, rooms, rooms per connection, origins, transport size."""

from __future__ import annotations

import aiohttp
import pytest

from tests.helpers import config_with, refusal
from tests.rawsocket import RawSocket


@pytest.fixture
def server_config():
    return config_with(max_connections=3, max_rooms=2, max_rooms_per_connection=1,
                       cors_origins="https://game.example")


async def test_connections_beyond_the_limit_are_refused_cleanly(connect):
    for i in range(3):
        await connect(f"c{i}")
    assert (await refusal(connect("one-too-many"))).code == "server_full"


async def test_rooms_beyond_the_limits_are_refused(connect):
    first, second = await connect("first"), await connect("second")
    await first.create_room()
    await first.leave()
    # its first room still lives (grace period), so a second one is one too many
    assert (await refusal(first.create_room())).code == "rate_limited"
    await second.create_room()
    third = await connect("third")
    assert (await refusal(third.create_room())).code == "server_full"


async def test_only_configured_origins_may_connect_from_a_browser(tickwire):
    handshake = tickwire.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(handshake, origin="https://evil.example")
        assert refused.value.status == 400
        async with http.ws_connect(handshake, origin="https://game.example") as allowed:
            assert (await allowed.receive_str()).startswith("0")  # the Engine.IO OPEN


async def test_a_message_beyond_the_transport_limit_closes_only_that_connection(tickwire,
                                                                              connect):
    bystander = await connect("bystander")
    await bystander.create_room()
    raw = RawSocket(tickwire.url)
    try:
        await raw.open()
        await raw.send_bytes(b"\x00" * 64_000)
        with pytest.raises(ConnectionError):
            await raw.next_packet()
    finally:
        await raw.close()
    tick = bystander.mirror.tick
    await bystander.wait_until(lambda m: m.tick > tick + 5)
