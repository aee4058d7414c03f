"""The test tools' delaying TCP proxy (tests/latency_proxy.py), across real loopback sockets:
it delays by what it is told, jitters without ever reordering a stream, and a stall holds
one direction until it ends."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from tests.latency_proxy import LatencyProxy

MESSAGE = struct.Struct("!Id")  # sequence number, send time (loop clock)


@dataclass
class Peer:
    """The far side of the proxy: every message it receives, with the time it got it."""

    received: asyncio.Queue[tuple[int, float, float]] = field(default_factory=asyncio.Queue)
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        loop = asyncio.get_running_loop()
        try:
            while True:
                seq, sent = MESSAGE.unpack(await reader.readexactly(MESSAGE.size))
                self.received.put_nowait((seq, sent, loop.time()))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass


@pytest.fixture
async def peer() -> AsyncIterator[tuple[Peer, int]]:
    """A server that records what it receives; yields it and its port."""
    peer = Peer()
    server = await asyncio.start_server(peer.serve, "127.0.0.1", 0)
    try:
        yield peer, server.sockets[0].getsockname()[1]
    finally:
        for writer in peer.writers:
            writer.close()
        server.close()
        await server.wait_closed()


async def through(proxy: LatencyProxy) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection to the proxy's target, through it."""
    return await asyncio.open_connection("127.0.0.1", proxy.port)


def send(writer: asyncio.StreamWriter, seq: int) -> None:
    writer.write(MESSAGE.pack(seq, asyncio.get_running_loop().time()))


async def test_each_message_is_delayed_by_the_delay(peer):
    server, port = peer
    proxy = await LatencyProxy(("127.0.0.1", port), delay=0.08).start()
    try:
        _, writer = await through(proxy)
        delays = []
        for seq in range(5):
            send(writer, seq)
            _, sent, got = await server.received.get()
            delays.append(got - sent)
        writer.close()
    finally:
        await proxy.close()
    assert min(delays) >= 0.08
    assert max(delays) < 0.08 + 0.05, f"delays {delays}"


async def test_jitter_varies_the_delay_but_never_reorders_a_stream(peer):
    server, port = peer
    proxy = await LatencyProxy(("127.0.0.1", port), delay=0.03, jitter=0.02, seed=1).start()
    try:
        _, writer = await through(proxy)
        for seq in range(150):
            send(writer, seq)
            await writer.drain()
            await asyncio.sleep(0.002)  # pacing: separate reads, so each gets its own delay
        got = [await server.received.get() for _ in range(150)]
        writer.close()
    finally:
        await proxy.close()
    assert [seq for seq, _, _ in got] == list(range(150))
    delays = [arrived - sent for _, sent, arrived in got]
    assert min(delays) >= 0.01
    assert max(delays) - min(delays) > 0.015, "no jitter"


async def test_a_stall_holds_one_direction_then_lets_it_all_through(peer):
    server, port = peer
    proxy = await LatencyProxy(("127.0.0.1", port)).start()
    try:
        reader, writer = await through(proxy)
        send(writer, 0)
        await server.received.get()  # connected and flowing
        loop = asyncio.get_running_loop()
        stalled_at = loop.time()
        proxy.stall(0.3, ["up"])
        for seq in (1, 2, 3):
            send(writer, seq)
        server.writers[0].write(b"down")  # the other direction flows on
        assert await reader.readexactly(4) == b"down"
        assert loop.time() - stalled_at < 0.2
        held = [await server.received.get() for _ in range(3)]
        assert [seq for seq, _, _ in held] == [1, 2, 3]
        assert min(arrived for _, _, arrived in held) >= stalled_at + 0.3
        send(writer, 4)  # and after the stall, up flows again
        _, sent, arrived = await server.received.get()
        assert arrived - sent < 0.1
        writer.close()
    finally:
        await proxy.close()
