"""Malformed input: requests and frames no client library sends. The defence is an answer
(a refusal) or a closed connection at once, never a hang or a traceback."""

from __future__ import annotations

import contextlib
import time

import msgpack

from bench.soak.episode import GIVE_UP, INPUT, Finding, Target, ended, refusal_code
from bench.soak.rawws import (
    BINARY,
    CONNECT,
    CONTINUATION,
    EVENT,
    RawWebSocket,
    frame,
    packet_frame,
)
from shared.protocol import EVENTS

ANSWER_BOUND = 2.0  # a malformed request or frame is answered or cut at once
NESTING = 1000  # levels of lists inside ``auth.v``


async def non_ascii_token(target: Target) -> Finding:
    """``resume`` with a token whose secret is not ASCII, for a room with a seated player (a
    listed one, or one a second connection creates and stays in), so the server compares
    it with real tokens."""
    ws = await target.session()
    host: RawWebSocket | None = None
    try:
        listed = await ws.request(EVENTS.list_rooms, {})
        seated = [room for room in listed.get("rooms", []) if room.get("players")]
        if seated:
            room_id = seated[0]["id"]
        else:
            host = await target.session()
            created = await host.request(EVENTS.create, {})
            if not created.get("ok"):
                return Finding("broken", None, ANSWER_BOUND,
                               f"no room to name: {refusal_code(created)}")
            room_id = created["room"]["id"]
        began = time.monotonic()
        try:
            answer = await ws.request(EVENTS.resume, {"token": f"{room_id}.{'é' * 32}"},
                                      timeout=ANSWER_BOUND + GIVE_UP)
        except (TimeoutError, ConnectionError):
            return ended(ANSWER_BOUND, began, ws.cut_at, "no answer")
        if answer.get("ok"):
            return Finding("survived", None, ANSWER_BOUND, "the token was accepted")
        return Finding("refused", time.monotonic() - began, ANSWER_BOUND, refusal_code(answer))
    finally:
        for each in (ws, host):
            if each is not None:
                await each.close()


async def nested_auth(target: Target) -> Finding:
    """A Socket.IO CONNECT whose ``auth.v`` is a list nested ``NESTING`` levels deep."""
    ws = await target.websocket()
    nested = b"\x91" * NESTING + msgpack.packb(1)  # fixarray of one, NESTING times
    encoded = (b"\x83" + msgpack.packb("type") + msgpack.packb(CONNECT) + msgpack.packb("nsp")
               + msgpack.packb("/") + msgpack.packb("data") + b"\x81" + msgpack.packb("v")
               + nested)
    began = time.monotonic()
    try:
        answer = await ws.connect(encoded=encoded)
    except (TimeoutError, ConnectionError):
        await ws.close()
        return ended(ANSWER_BOUND, began, ws.cut_at, "no answer")
    await ws.close()
    if answer.get("type") == CONNECT:
        return Finding("survived", None, ANSWER_BOUND, "the CONNECT was accepted")
    return Finding("refused", time.monotonic() - began, ANSWER_BOUND,
                   refusal_code(answer.get("data")))


async def _one_bad_frame(target: Target, data: bytes, detail: str) -> Finding:
    ws = await target.session()
    began = time.monotonic()
    try:
        with contextlib.suppress(ConnectionError):
            await ws.send(data)
        await ws.wait_cut(ANSWER_BOUND + GIVE_UP)
    finally:
        await ws.close()
    return ended(ANSWER_BOUND, began, ws.cut_at, detail)


async def fragment_interleaved(target: Target) -> Finding:
    """A small complete binary frame (an input) in the middle of a fragmented message."""
    ping = msgpack.packb({"type": EVENT, "nsp": "/", "data": [EVENTS.ping, {}], "id": 1})
    stray_input = packet_frame({"type": EVENT, "nsp": "/", "data": INPUT})
    data = frame(BINARY, ping[:8], fin=False) + stray_input + frame(CONTINUATION, ping[8:])
    return await _one_bad_frame(target, data, "binary frame inside a fragmented message")


async def unmasked_frame(target: Target) -> Finding:
    """A client frame without a mask."""
    request = {"type": EVENT, "nsp": "/", "data": [EVENTS.ping, {}], "id": 1}
    return await _one_bad_frame(target, packet_frame(request, masked=False), "unmasked frame")
