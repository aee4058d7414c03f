"""A websocket client over plain asyncio streams that breaks the rules on purpose.

Real clients use python-socketio; the soak's attackers need what no library sends: unmasked
frames, a data frame inside a fragmented message, a socket that never answers pings, never
sends the Socket.IO CONNECT, or never reads. It speaks Engine.IO v4 over a websocket with the
Socket.IO msgpack parser (shared/PROTOCOL.md) and can connect from any loopback address, so
attackers do not share the bots' per-address limits.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import struct
import time
from dataclasses import dataclass
from typing import Any

import msgpack

from shared.protocol import VERSION

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR = 0, 1, 2, 3, 4
EIO_OPEN, EIO_PING, EIO_PONG = "0", "2", "3"
TIMEOUT = 5.0  # every handshake, answer and write waits at most this long
READ_LIMIT = 4096  # bytes a paused reader lets asyncio buffer before the kernel holds the rest
TCP_CLOSE, TCP_CLOSE_WAIT = 7, 8  # tcpi_state values: the peer reset or sent its FIN


class Refused(Exception):
    """The server turned the websocket down (an HTTP status instead of 101)."""


@dataclass(frozen=True, slots=True)
class Handshake:
    """The Engine.IO OPEN packet: session id and heartbeat timing in seconds."""

    sid: str
    ping_interval: float
    ping_timeout: float


def frame(opcode: int, payload: bytes, *, fin: bool = True, masked: bool = True) -> bytes:
    """One client websocket frame (RFC 6455 5.2); ``masked=False`` breaks the rule that
    every client frame is masked."""
    length = len(payload)
    first = (0x80 if fin else 0) | opcode
    mask_bit = 0x80 if masked else 0
    if length < 126:
        header = struct.pack("!BB", first, mask_bit | length)
    elif length < 65536:
        header = struct.pack("!BBH", first, mask_bit | 126, length)
    else:
        header = struct.pack("!BBQ", first, mask_bit | 127, length)
    if not masked:
        return header + payload
    key = os.urandom(4)
    stream = (key * (length // 4 + 1))[:length]
    masked_payload = (int.from_bytes(payload, "little") ^ int.from_bytes(stream, "little")
                      ).to_bytes(length, "little")
    return header + key + masked_payload


def packet_frame(packet: dict[str, Any], *, masked: bool = True) -> bytes:
    """A Socket.IO packet as one binary frame."""
    return frame(BINARY, msgpack.packb(packet), masked=masked)


async def open_stream(host: str, port: int, source: str, receive_buffer: int | None = None
                      ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP connection from address ``source``, with a small receive buffer if asked (set
    before connecting, so the window the server sees is small from the start)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        sock.bind((source, 0))
        if receive_buffer is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        async with asyncio.timeout(TIMEOUT):
            await asyncio.get_running_loop().sock_connect(sock, (host, port))
    except BaseException:
        sock.close()
        raise
    return await asyncio.open_connection(sock=sock, limit=READ_LIMIT)


class RawWebSocket:
    """One Engine.IO websocket session; open it with ``RawWebSocket.open``.

    A reader task handles what the server sends: it answers Engine.IO pings when
    ``answer_pings`` is set, resolves Socket.IO CONNECT answers and request acks, and notes
    when the server closed the websocket (close frame) or the TCP connection (end of stream).
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 answer_pings: bool) -> None:
        self.reader = reader
        self.writer = writer
        self.answer_pings = answer_pings
        self.handshake: Handshake | None = None
        self.close_frame_at: float | None = None
        self.eof_at: float | None = None
        self.write_failed_at: float | None = None
        self.connect_answers: list[dict[str, Any]] = []  # every CONNECT / CONNECT_ERROR
        self.opened_at = time.monotonic()
        self._opened = asyncio.get_running_loop().create_future()
        self._connected: asyncio.Future[dict[str, Any]] | None = None
        self._acks: dict[int, asyncio.Future[Any]] = {}
        self._next_ack = 0
        self._cut = asyncio.Event()
        self._reading = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, host: str, port: int, source: str, *, answer_pings: bool = True,
                   receive_buffer: int | None = None) -> RawWebSocket:
        """Upgrade to a websocket at ``/socket.io/`` and wait for the Engine.IO OPEN.

        :param source: local address to connect from (any 127.x.y.z).
        :param answer_pings: reply to the server's heartbeat, as a live client does.
        :param receive_buffer: SO_RCVBUF for the socket, None for the kernel's default.
        Raises ``Refused`` when the server answers the upgrade with an HTTP error.
        """
        reader, writer = await open_stream(host, port, source, receive_buffer)
        try:
            key = base64.b64encode(os.urandom(16)).decode()
            writer.write(
                f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n".encode())
            async with asyncio.timeout(TIMEOUT):
                head = await reader.readuntil(b"\r\n\r\n")
            status = head.split(b" ", 2)[1].decode(errors="replace")
            if status != "101":
                raise Refused(f"HTTP {status}")
        except BaseException:
            writer.close()
            raise
        ws = cls(reader, writer, answer_pings)
        try:
            async with asyncio.timeout(TIMEOUT):
                await ws._opened
        except BaseException:
            await ws.close()
            raise
        return ws

    # -- what the attacker sends ---------------------------------------------------------------

    async def send(self, data: bytes) -> None:
        """Write bytes; ``ConnectionError`` once the server is gone or stopped reading."""
        if self.writer.is_closing():
            raise ConnectionResetError("closed")
        try:
            self.writer.write(data)
            async with asyncio.timeout(TIMEOUT):
                await self.writer.drain()
        except (OSError, TimeoutError) as error:
            self.write_failed_at = self.write_failed_at or time.monotonic()
            self._cut.set()
            raise ConnectionResetError(str(error)) from None

    async def send_packet(self, packet: dict[str, Any]) -> None:
        """One Socket.IO packet in one masked binary frame."""
        await self.send(packet_frame(packet))

    async def connect(self, auth: dict[str, Any] | None = None, *, encoded: bytes | None = None
                      ) -> dict[str, Any]:
        """Send the Socket.IO CONNECT (``auth`` or an already ``encoded`` packet) and return
        the answer packet (CONNECT or CONNECT_ERROR); ``TimeoutError`` without one."""
        self._connected = asyncio.get_running_loop().create_future()
        data = encoded if encoded is not None else msgpack.packb(
            {"type": CONNECT, "nsp": "/", "data": auth if auth is not None else {"v": VERSION}})
        await self.send(frame(BINARY, data))
        async with asyncio.timeout(TIMEOUT):
            return await self._connected

    async def request(self, event: str, payload: Any, timeout: float = TIMEOUT) -> Any:
        """Send an EVENT with an ack id and return the answer; ``TimeoutError`` without one."""
        self._next_ack += 1
        ack_id = self._next_ack
        answered = self._acks[ack_id] = asyncio.get_running_loop().create_future()
        try:
            await self.send_packet({"type": EVENT, "nsp": "/", "data": [event, payload],
                                    "id": ack_id})
            async with asyncio.timeout(timeout):
                return await answered
        finally:
            self._acks.pop(ack_id, None)

    def stop_reading(self) -> None:
        """Read nothing more: the kernel's buffers fill and the server sees a stalled reader."""
        self._reading.cancel()

    # -- what the server did -------------------------------------------------------------------

    @property
    def cut_at(self) -> float | None:
        """When the server closed the websocket or the connection (monotonic), if it did."""
        marks = [m for m in (self.close_frame_at, self.eof_at, self.write_failed_at) if m]
        return min(marks) if marks else None

    async def wait_cut(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the server to close; True if it did."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._cut.wait()
        return self._cut.is_set()

    def peer_closed(self) -> bool:
        """Whether the server has closed the TCP connection, asked of the kernel (works while
        this side reads nothing)."""
        sock = self.writer.get_extra_info("socket")
        if sock is None:
            return True
        try:
            state = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
        except OSError:
            return True
        if state in (TCP_CLOSE, TCP_CLOSE_WAIT) and self.eof_at is None:
            self.eof_at = time.monotonic()
            self._cut.set()
        return self.eof_at is not None

    async def close(self) -> None:
        """Drop the connection without a closing handshake."""
        self._reading.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reading
        self.writer.close()

    async def _read(self) -> None:
        try:
            while True:
                opcode, payload = await self._next_frame()
                if opcode == CLOSE:
                    self.close_frame_at = self.close_frame_at or time.monotonic()
                    self._cut.set()
                elif opcode == PING and self.answer_pings:
                    await self.send(frame(PONG, payload))
                elif opcode == TEXT:
                    await self._on_text(payload.decode(errors="replace"))
                elif opcode == BINARY:
                    self._on_packet(payload)
        except (asyncio.IncompleteReadError, OSError):
            self.eof_at = self.eof_at or time.monotonic()
            self._cut.set()

    async def _next_frame(self) -> tuple[int, bytes]:
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            length = int.from_bytes(await self.reader.readexactly(2), "big")
        elif length == 127:
            length = int.from_bytes(await self.reader.readexactly(8), "big")
        return first & 0x0F, await self.reader.readexactly(length)

    async def _on_text(self, text: str) -> None:
        if text == EIO_PING:
            if self.answer_pings:
                await self.send(frame(TEXT, EIO_PONG.encode()))
        elif text.startswith(EIO_OPEN) and not self._opened.done():
            try:
                opened = json.loads(text[1:])
                self.handshake = Handshake(opened["sid"], opened["pingInterval"] / 1000,
                                           opened["pingTimeout"] / 1000)
            except (ValueError, KeyError, TypeError) as error:
                self._opened.set_exception(ConnectionError(f"bad Engine.IO OPEN: {error}"))
                return
            self._opened.set_result(None)

    def _on_packet(self, payload: bytes) -> None:
        try:
            packet = msgpack.unpackb(payload, strict_map_key=False)
        except ValueError:
            return
        if not isinstance(packet, dict):
            return
        kind = packet.get("type")
        if kind in (CONNECT, CONNECT_ERROR):
            self.connect_answers.append(packet)
            if self._connected is not None and not self._connected.done():
                self._connected.set_result(packet)
        elif kind == ACK:
            answered = self._acks.get(packet.get("id"))  # type: ignore[arg-type]
            data = packet.get("data")
            if answered is not None and not answered.done():
                answered.set_result(data[0] if isinstance(data, list) and data else data)
