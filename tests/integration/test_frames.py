"""Websocket frames that break RFC 6455: the fast lane steps aside while a fragmented message
is open (so aiohttp refuses a data frame inside it), and an unmasked client frame closes the
connection."""

from __future__ import annotations

import msgpack

from bench.soak.rawws import BINARY, CONTINUATION, EVENT, RawWebSocket, frame, packet_frame
from shared.protocol import EVENTS

CUT_WITHIN = 3.0


async def open_player(tickwire) -> RawWebSocket:
    """A raw websocket seated in a new room."""
    host, port = tickwire.server.host, tickwire.server.port
    ws = await RawWebSocket.open(host, port, "127.0.0.1")
    await ws.connect()
    answer = await ws.request(EVENTS.create, {})
    assert answer["ok"], answer
    return ws


async def test_a_frame_inside_a_fragmented_message_is_not_applied(tickwire):
    ws = await open_player(tickwire)
    try:
        ping = msgpack.packb({"type": EVENT, "nsp": "/", "data": [EVENTS.ping, {}], "id": 99})
        stray_input = packet_frame({"type": EVENT, "nsp": "/",
                                    "data": [EVENTS.input, [1, 1.0, 0.0, 0.0, False]]})
        await ws.send(frame(BINARY, ping[:8], fin=False) + stray_input
                      + frame(CONTINUATION, ping[8:]))
        assert await ws.wait_cut(CUT_WITHIN)
    finally:
        await ws.close()
    assert tickwire.lobby.stats.inputs.applied == 0
    assert tickwire.lobby.stats.traffic.fast_lane_messages == 0


async def test_an_unmasked_frame_closes_the_connection(tickwire):
    ws = await open_player(tickwire)
    try:
        request = {"type": EVENT, "nsp": "/", "data": [EVENTS.ping, {}], "id": 7}
        await ws.send(packet_frame(request, masked=False))
        assert await ws.wait_cut(CUT_WITHIN)
        assert ws.close_frame_at is not None  # a close frame (1002), not just a dropped socket
    finally:
        await ws.close()
