"""Floods: one connection sending, as fast as the server takes them, messages it refuses,
or creating expensive rooms in bulk. The defence is a cut (or a refusal) within seconds."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.soak.episode import (
    GIVE_UP,
    INPUT,
    Finding,
    Target,
    costly_room,
    ended,
    refusal_code,
    room_words,
)
from bench.soak.rawws import (
    ACK,
    CONNECT,
    CONNECT_ERROR,
    DISCONNECT,
    EVENT,
    TIMEOUT,
    RawWebSocket,
    Refused,
    packet_frame,
)
from shared.protocol import EVENTS, VERSION

FLOOD_BOUND = 2.0  # issue 9: a connection is cut within 2 s of starting any flood
BULK_BOUND = 15.0  # how long the rooms of one bulk attack are held
BURST = 200  # packets per write in a flood
BULK_CONNECTIONS, ROOMS_PER_CONNECTION = 8, 3


async def _flood(target: Target, packet: dict[str, Any]) -> Finding:
    """Send ``packet`` as fast as the server takes it until the server cuts the connection."""
    began = time.monotonic()
    try:
        ws = await target.session()
    except Refused as refused:
        return Finding("refused", time.monotonic() - began, FLOOD_BOUND, str(refused))
    began = time.monotonic()
    bursts = await _send_until_cut(ws, packet_frame(packet) * BURST)
    return ended(FLOOD_BOUND, began, ws.cut_at, f"{bursts * BURST:,} packets")


async def _send_until_cut(ws: RawWebSocket, data: bytes) -> int:
    """Send ``data`` over and over as fast as the server takes it, until it cuts the
    connection (or the flood bound and then some are over); close; return the times sent."""
    began, sent = time.monotonic(), 0
    try:
        while ws.cut_at is None and time.monotonic() - began < FLOOD_BOUND + GIVE_UP:
            await ws.send(data)
            sent += 1
            await asyncio.sleep(0)
        await ws.wait_cut(0.5)
    except ConnectionError:
        await ws.wait_cut(0.5)
    finally:
        await ws.close()
    return sent


async def ack_flood(target: Target) -> Finding:
    """Socket.IO ACK packets for requests the server never made."""
    return await _flood(target, {"type": ACK, "nsp": "/", "id": 7, "data": [None]})


async def foreign_namespace(target: Target) -> Finding:
    """EVENTs to the namespace ``/x``, which the client never joined."""
    return await _flood(target, {"type": EVENT, "nsp": "/x", "data": INPUT})


async def connect_error_flood(target: Target) -> Finding:
    """Client-sent CONNECT_ERROR packets (once an ERROR log with a traceback each)."""
    return await _flood(target, {"type": CONNECT_ERROR, "nsp": "/", "data": {"message": "x"}})


async def reconnect_cycling(target: Target) -> Finding:
    """Bursts of refused inputs with a namespace DISCONNECT and CONNECT after each, without
    waiting for answers (this once gave the connection fresh rate buckets every time)."""
    began = time.monotonic()
    try:
        ws = await target.session()
    except Refused as refused:
        return Finding("refused", time.monotonic() - began, FLOOD_BOUND, str(refused))
    cycle = (packet_frame({"type": EVENT, "nsp": "/", "data": INPUT}) * BURST
             + packet_frame({"type": DISCONNECT, "nsp": "/"})
             + packet_frame({"type": CONNECT, "nsp": "/", "data": {"v": VERSION}}))
    began = time.monotonic()
    cycles = await _send_until_cut(ws, cycle)
    answered = sum(answer.get("type") == CONNECT for answer in ws.connect_answers) - 1
    detail = f"{cycles * BURST:,} refused inputs, {cycles} reconnects ({answered} answered)"
    return ended(FLOOD_BOUND, began, ws.cut_at, detail)


async def bulk_rooms(target: Target) -> Finding:
    """The dearest rooms the server's caps allow (60 Hz with 64 NPCs first), created in bulk
    from one address, each connection making all it may, held for ``BULK_BOUND`` seconds.
    The defence is a refusal: of a connection, or of a room for being one too many."""
    sessions: list[RawWebSocket] = []
    began = time.monotonic()
    rooms = choice = 0
    try:
        for _ in range(BULK_CONNECTIONS):
            try:
                ws = await target.session()
            except Refused as refused:
                return Finding("refused", time.monotonic() - began, BULK_BOUND,
                               f"{rooms} rooms ({room_words(choice)}), then a connection:"
                               f" {refused}")
            sessions.append(ws)
            for made in range(ROOMS_PER_CONNECTION):
                try:
                    answer, choice = await costly_room(ws, choice)
                except TimeoutError:
                    return Finding("survived", None, BULK_BOUND,
                                   f"{rooms} rooms ({room_words(choice)}), then the server"
                                   f" took over {TIMEOUT:.0f} s to answer a create")
                if answer.get("ok"):
                    rooms += 1
                    await ws.request(EVENTS.leave, {})
                elif made and answer.get("code") == "rate_limited":
                    break  # this connection's own share is used up: the next one goes on
                else:
                    return Finding("refused", time.monotonic() - began, BULK_BOUND,
                                   f"{rooms} rooms ({room_words(choice)}), then"
                                   f" {refusal_code(answer)}")
        await asyncio.sleep(max(0.0, began + BULK_BOUND - time.monotonic()))
        return Finding("survived", None, BULK_BOUND,
                       f"{rooms} rooms ({room_words(choice)}), none refused")
    finally:
        for ws in sessions:
            await ws.close()
