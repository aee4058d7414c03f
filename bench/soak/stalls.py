"""Stalls: connections that hold server resources without doing their part: not reading,
not answering heartbeats, or never joining the namespace. The defence is a cut within the
heartbeat or the send-queue bounds."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import aiohttp
import msgpack

from bench.soak.episode import (
    GIVE_UP,
    ROOM_CHOICES,
    Finding,
    Target,
    costly_room,
    ended,
    heartbeat_bound,
    refusal_code,
    room_words,
)
from bench.soak.rawws import CONNECT, EVENT, TIMEOUT, RawWebSocket, Refused
from shared.protocol import EVENTS, VERSION

POLL_STALL_BOUND = 30.0  # a 13 KB/s room fills a 256 KiB backlog in ~20 s, then 10 s behind
IDLE_BOUND = 10.0  # an Engine.IO session without a Socket.IO CONNECT: "a few seconds"
HEARTBEAT_BOUND = 20.0 + 20.0 + 1.0  # ping interval + ping timeout + 1 s, the defaults
IDLE_SESSIONS = 200  # Engine.IO sessions opened at once by ``idle_sessions``


async def polling_without_get(target: Target) -> Finding:
    """An Engine.IO long-polling session that creates a room (the dearest allowed), then
    answers heartbeats but never GETs what the server queues for it."""
    began = time.monotonic()
    base = f"http://{target.host}:{target.port}/socket.io/?EIO=4&transport=polling"
    connector = aiohttp.TCPConnector(local_addr=(target.source, 0))
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as http:
        async with http.get(base) as answer:
            body = await answer.text()
        if answer.status != 200 or not body.startswith("0"):
            return Finding("refused", time.monotonic() - began, POLL_STALL_BOUND,
                           f"HTTP {answer.status} to a polling handshake")
        url = f"{base}&sid={json.loads(body[1:])['sid']}"
        connect = {"type": CONNECT, "nsp": "/", "data": {"v": VERSION}}
        # every choice at once, dearest first: the first the server allows makes the room
        creates = [{"type": EVENT, "nsp": "/", "data": [EVENTS.create, choice], "id": n}
                   for n, choice in enumerate(ROOM_CHOICES, 1)]
        posts = 2
        await _post(http, url, "\x1e".join(_polling_binary(p) for p in [connect, *creates]))
        stalled = time.monotonic()
        while time.monotonic() - stalled < POLL_STALL_BOUND + GIVE_UP:
            await asyncio.sleep(0.5)
            posts += 1
            if not await _post(http, url, "3"):  # a heartbeat answer, unasked
                return ended(POLL_STALL_BOUND, stalled, time.monotonic(),
                             f"{posts} POSTs, no GET")
    return Finding("survived", None, POLL_STALL_BOUND, f"{posts} POSTs, no GET")


def _polling_binary(packet: dict[str, Any]) -> str:
    return "b" + base64.b64encode(msgpack.packb(packet)).decode()


async def _post(http: aiohttp.ClientSession, url: str, body: str) -> bool:
    """POST a polling payload; False once the server no longer knows the session."""
    try:
        async with http.post(url, data=body.encode()) as answer:
            await answer.read()
            return answer.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


async def stalled_reader(target: Target) -> Finding:
    """A websocket in a busy room that stops reading altogether, pings included (with a tiny
    receive buffer). The kernel takes megabytes of a room's state before the server's own
    buffer grows, so the heartbeat is what must end it: within ping interval + ping timeout
    + 1 s of the stall."""
    ws = await target.session(receive_buffer=4096)
    try:
        bound = heartbeat_bound(ws)
        answer, choice = await costly_room(ws)
        if not answer.get("ok"):
            return Finding("broken", None, bound, f"no room to stall in: {refusal_code(answer)}")
        ws.stop_reading()
        stalled = time.monotonic()
        while not ws.peer_closed() and time.monotonic() - stalled < bound + GIVE_UP:
            await asyncio.sleep(0.25)
        return ended(bound, stalled, ws.cut_at,
                     f"stopped reading in a room ({room_words(choice)})")
    finally:
        await ws.close()


async def idle_sessions(target: Target) -> Finding:
    """Many Engine.IO sessions at once that answer heartbeats but never send the Socket.IO
    CONNECT; the cut time is that of the last one closed."""
    opened: list[RawWebSocket] = []
    refusals: list[str] = []  # the server said no (an HTTP status, or a closed connection)
    failures: list[str] = []  # no answer in time
    gate = asyncio.Semaphore(50)
    began = time.monotonic()

    async def open_one() -> None:
        async with gate:
            try:
                opened.append(await target.websocket())
            except (Refused, ConnectionError) as refused:
                refusals.append(str(refused) or type(refused).__name__)
            except (OSError, TimeoutError) as failed:
                failures.append(str(failed) or type(failed).__name__)

    try:
        await asyncio.gather(*(open_one() for _ in range(IDLE_SESSIONS)))
        detail = f"{len(opened)} opened, {len(refusals)} refused, {len(failures)} unanswered"
        if not opened:
            result = "refused" if refusals else "broken"
            return Finding(result, time.monotonic() - began if refusals else None, IDLE_BOUND,
                           f"{detail} ({(refusals or failures)[0]})")
        give_up = time.monotonic() + IDLE_BOUND + GIVE_UP
        while any(ws.cut_at is None for ws in opened) and time.monotonic() < give_up:
            await asyncio.sleep(0.25)
        open_still = sum(ws.cut_at is None for ws in opened)
        if open_still:
            return Finding("survived", None, IDLE_BOUND, f"{detail}, {open_still} still open")
        slowest = max(ws.cut_at - ws.opened_at for ws in opened if ws.cut_at)
        return Finding("cut", slowest, IDLE_BOUND, detail)
    finally:
        for ws in opened:
            await ws.close()


async def silent_websocket(target: Target) -> Finding:
    """A connected websocket that reads but never answers a ping, nor the closing handshake
    (a phone that lost its network). Cut means the TCP connection is gone, within the
    advertised ping interval + ping timeout + 1 s."""
    ws = await target.websocket(answer_pings=False)
    try:
        await ws.connect()
        bound = heartbeat_bound(ws)
        while (ws.eof_at is None and not ws.peer_closed()
               and time.monotonic() - ws.opened_at < bound + GIVE_UP):
            await asyncio.sleep(0.25)
        detail = ("a close frame came, but the TCP connection stayed open"
                  if ws.close_frame_at and ws.eof_at is None else "never answered a ping")
        return ended(bound, ws.opened_at, ws.eof_at, detail)
    finally:
        await ws.close()
