"""A bare Engine.IO/Socket.IO websocket client for attacking the server in tests.

Real clients use python-socketio; this one exists to send what no library would: garbage
bytes, malformed packets, or nothing at all (a client that stops reading). The test owns the
TCP socket underneath (``tcp_socket``), through aiohttp's public ``get_extra_info``.
"""

from __future__ import annotations

import json
import socket
from typing import Any

import aiohttp
import msgpack

from shared.protocol import VERSION

EVENT, CONNECT = 2, 0


class ClosedByServer(ConnectionError):
    """The server closed the websocket with a close frame (a deliberate close).

    :param code: the close code it sent.
    """

    def __init__(self, code: int | None) -> None:
        super().__init__(f"the server closed the websocket with code {code}")
        self.code = code


class RawSocket:
    """One websocket speaking Engine.IO v4 with the msgpack Socket.IO parser by hand."""

    def __init__(self, url: str) -> None:
        self.url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.http: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None

    async def open(self, auth: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> dict[str, Any]:
        """Open the websocket and connect to the default namespace; return the CONNECT."""
        await self.handshake(headers)
        await self.send_packet({"type": CONNECT, "nsp": "/",
                                "data": auth if auth is not None else {"v": VERSION}})
        return await self.next_packet()

    async def handshake(self, headers: dict[str, str] | None = None) -> dict[str, Any]:
        """Open the websocket and read the Engine.IO OPEN, nothing more; returns its data."""
        self.http = aiohttp.ClientSession()
        self.ws = await self.http.ws_connect(self.url, headers=headers)
        opened = await self.ws.receive_str()
        assert opened.startswith("0"), opened
        return json.loads(opened[1:])

    async def send_packet(self, packet: Any) -> None:
        """Send any value as a msgpack binary frame."""
        await self.send_bytes(msgpack.packb(packet))

    async def send_bytes(self, data: bytes) -> None:
        """Send raw bytes as one binary frame."""
        assert self.ws is not None
        await self.ws.send_bytes(data)

    async def send_text(self, data: str) -> None:
        """Send a text frame (to Engine.IO, a text frame is a packet of its own protocol)."""
        assert self.ws is not None
        await self.ws.send_str(data)

    async def send_together(self, *packets: Any) -> None:
        """Send packets as binary frames that leave in one TCP segment (Linux: TCP_CORK
        holds them until all are written), so the server reads them in one go."""
        self.tcp_socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
        try:
            for packet in packets:
                await self.send_packet(packet)
        finally:
            self.tcp_socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)

    @property
    def tcp_socket(self) -> Any:
        """The connection's TCP socket (asyncio's wrapper: socket options, no I/O)."""
        assert self.ws is not None
        sock = self.ws.get_extra_info("socket")
        assert sock is not None, "the websocket has no socket (closed?)"
        return sock

    async def emit(self, event: Any, *args: Any, ack_id: int | None = None) -> None:
        """Send a Socket.IO EVENT packet."""
        packet: dict[str, Any] = {"type": EVENT, "nsp": "/", "data": [event, *args]}
        if ack_id is not None:
            packet["id"] = ack_id
        await self.send_packet(packet)

    async def next_packet(self, timeout: float = 10.0) -> dict[str, Any]:
        """The next Socket.IO packet, answering Engine.IO pings on the way. Raises
        ``ClosedByServer`` on the server's close frame, ``ConnectionError`` when the
        connection ends without one."""
        assert self.ws is not None
        while True:
            message = await self.ws.receive(timeout)
            if message.type == aiohttp.WSMsgType.TEXT:
                if message.data == "2":
                    await self.ws.send_str("3")
                    continue
                if message.data.startswith("4"):
                    return json.loads(message.data[1:])
                continue
            if message.type == aiohttp.WSMsgType.BINARY:
                return msgpack.unpackb(message.data, strict_map_key=False)
            if message.type == aiohttp.WSMsgType.CLOSE:
                raise ClosedByServer(message.data)
            raise ConnectionError(f"websocket ended: {message.type!r}")

    async def next_event(self, name: str) -> Any:
        """Payload of the next EVENT called ``name`` (others are skipped)."""
        while True:
            packet = await self.next_packet()
            if packet.get("type") == EVENT and packet["data"][0] == name:
                return packet["data"][1] if len(packet["data"]) > 1 else None

    async def wait_closed(self) -> None:
        """Return once the server has closed the websocket (pings are not answered)."""
        assert self.ws is not None
        while not self.ws.closed:
            message = await self.ws.receive()
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                                aiohttp.WSMsgType.ERROR):
                return

    async def close(self) -> None:
        """Close everything."""
        if self.ws is not None:
            await self.ws.close()
        if self.http is not None:
            await self.http.close()
