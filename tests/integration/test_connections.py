"""Connections: caps per server and per address (joined or not), the connect timeout, silent
sockets closed at the transport, client addresses through trusted proxies, and websockets only."""

from __future__ import annotations

import asyncio
import contextlib
import time
from urllib.parse import urlsplit

import aiohttp
import pytest

from bench.soak.episode import Target
from bench.soak.stalls import stalled_reader
from server.config import ServerConfig
from tests.helpers import config_with, refusal
from tests.rawsocket import RawSocket

PING_INTERVAL, PING_TIMEOUT = 1, 1.0


@pytest.fixture
def server_config():
    return config_with(max_connections=6, max_connections_per_address=3, connect_timeout=1.0,
                       ping_interval=PING_INTERVAL, ping_timeout=PING_TIMEOUT,
                       trusted_proxies="127.0.0.1/32")


def forwarded(address: str) -> dict[str, str]:
    """Headers of a request relayed by the (trusted) proxy at 127.0.0.1 for ``address``."""
    return {"X-Forwarded-For": address}


async def healthz(tickwire) -> dict:
    async with aiohttp.ClientSession() as http, http.get(tickwire.url + "/healthz") as answer:
        return await answer.json()


async def closed_within(raw: RawSocket, limit: float) -> float:
    """Seconds until the server closes ``raw``'s websocket (which never answers pings)."""
    began = time.monotonic()
    await asyncio.wait_for(raw.wait_closed(), limit)
    return time.monotonic() - began


async def test_sessions_that_never_join_count_and_are_closed(tickwire, connect):
    silent = [RawSocket(tickwire.url) for _ in range(3)]
    try:
        for raw in silent:
            await raw.handshake()
        assert (await healthz(tickwire))["connections"] == 3
        # the address holds its 3 connections, none of them joined: a 4th may not join
        assert (await refusal(connect("fourth"))).code == "too_many_connections"
        began = time.monotonic()
        await asyncio.gather(*(raw.wait_closed() for raw in silent))
        assert time.monotonic() - began < 1.0 + 1.0  # connect_timeout + the watcher's pace
    finally:
        for raw in silent:
            await raw.close()
    await connect("afterwards")
    assert tickwire.lobby.stats.cuts["connect_timeout"] == 3


async def test_handshakes_past_the_margin_are_refused_outright(tickwire):
    opened: list[RawSocket] = []
    try:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            for _ in range(20):
                raw = RawSocket(tickwire.url)
                opened.append(raw)
                await raw.handshake()
        assert refused.value.status == 401
        assert len(opened) - 1 == 3 + 8  # the cap plus the handshake margin per address
    finally:
        for raw in opened:
            await raw.close()


async def test_the_server_wide_cap_refuses_with_server_full(tickwire):
    players = [RawSocket(tickwire.url) for _ in range(7)]
    try:
        answers = [await raw.open(headers=forwarded(f"198.51.100.{index}"))
                   for index, raw in enumerate(players)]
    finally:
        for raw in players:
            await raw.close()
    assert [answer["type"] for answer in answers] == [0] * 6 + [4]  # CONNECT, CONNECT_ERROR
    refusal_data = answers[-1]["data"]["data"]  # python-socketio's {message, data}
    assert refusal_data["code"] == "server_full"
    assert refusal_data["retry_after"] > 0


async def test_addresses_come_from_the_trusted_proxy_right_to_left(tickwire):
    """Behind the proxy, each client is its own address; what a client writes into the header
    itself (the left-most entries) does not make it someone else."""
    clients = [RawSocket(tickwire.url) for _ in range(5)]
    try:
        same = [await raw.open(headers=forwarded(f"10.9.9.{index}, 203.0.113.7"))
                for index, raw in enumerate(clients[:4])]
        other = await clients[4].open(headers=forwarded("203.0.113.7, 203.0.113.8"))
    finally:
        for raw in clients:
            await raw.close()
    assert [answer["type"] for answer in same] == [0, 0, 0, 4]
    assert same[-1]["data"]["data"]["code"] == "too_many_connections"
    assert other["type"] == 0


async def test_a_socket_that_stops_answering_is_closed_at_the_transport(tickwire):
    raw = RawSocket(tickwire.url)
    try:
        await raw.open()
        # from now on nothing is sent, not even the heartbeat answer
        lasted = await closed_within(raw, PING_INTERVAL + PING_TIMEOUT + 3)
    finally:
        await raw.close()
    assert lasted <= PING_INTERVAL + PING_TIMEOUT + 1
    assert (await healthz(tickwire))["connections"] == 0


async def test_a_socket_that_sends_but_never_answers_the_heartbeat_is_closed(tickwire):
    """What a client that stopped reading looks like: its inputs keep coming, its heartbeat
    answers do not."""
    raw = RawSocket(tickwire.url)
    try:
        await raw.open()
        closed = asyncio.ensure_future(raw.wait_closed())
        began = time.monotonic()
        with contextlib.suppress(ConnectionError):
            while not closed.done() and time.monotonic() - began < 6:
                await raw.emit("i", [1, 0.0, 0.0, 0.0, False])  # refused: not in a room
                await asyncio.sleep(0.1)
        await asyncio.wait_for(closed, 1)
        lasted = time.monotonic() - began
    finally:
        await raw.close()
    assert lasted <= PING_INTERVAL + PING_TIMEOUT + 1
    assert tickwire.lobby.stats.cuts["unresponsive"] + tickwire.lobby.stats.cuts["ping_timeout"] \
        == 1


async def test_a_socket_that_stops_reading_in_a_busy_room_is_reset(tickwire):
    """A client that stops reading altogether (a full receive window): no close could reach
    it behind the data the server has queued, so the server resets the connection, and the
    client's own kernel sees it gone within ping interval + ping timeout + 1 s."""
    address = urlsplit(tickwire.url)
    assert address.hostname is not None and address.port is not None
    finding = await stalled_reader(Target(address.hostname, address.port, "127.0.0.1"))
    assert finding.result == "cut", finding.detail
    assert finding.seconds is not None and finding.seconds <= PING_INTERVAL + PING_TIMEOUT + 1


async def test_long_polling_is_not_offered(tickwire):
    handshake = tickwire.url + "/socket.io/?EIO=4&transport=polling"
    async with aiohttp.ClientSession() as http, http.get(handshake) as refused:
        assert refused.status == 400


def test_sub_second_heartbeats_are_refused():
    with pytest.raises(ValueError, match="whole number of seconds"):
        ServerConfig(ping_interval=0)
    with pytest.raises(SystemExit):
        ServerConfig.from_sources(["--ping-interval", "0.5"], environ={})
