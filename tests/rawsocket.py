"""A bare Engine.IO/Socket.IO websocket client for attacking the server in tests.

Real clients use python-socketio; this one exists to send what no library would: garbage
bytes, malformed packets, or nothing at all (a client that stops reading).
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import msgpack

from shared.protocol import VERSION

EVENT, CONNECT = 2, 0


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

    async def emit(self, event: Any, *args: Any, ack_id: int | None = None) -> None:
        """Send a Socket.IO EVENT packet."""
        packet: dict[str, Any] = {"type": EVENT, "nsp": "/", "data": [event, *args]}
        if ack_id is not None:
            packet["id"] = ack_id
        await self.send_packet(packet)

    async def next_packet(self, timeout: float = 10.0) -> dict[str, Any]:
        """The next Socket.IO packet, answering Engine.IO pings on the way."""
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
