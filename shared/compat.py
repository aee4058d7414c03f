"""Every private part of python-engineio, python-socketio and aiohttp that Tickwire touches.

Tickwire reaches past the public API of the three libraries it stands on in a few places, for
speed (the input fast lane, the encode-once fan-out) and for its defences (counting every
message before it is decoded, closing a websocket its Engine.IO session gave up on). Each such
reach is one function here and nowhere else, and ``self_check()`` verifies at start-up that
every attribute still exists and names what changed, so an upgrade fails loudly at once rather
than quietly taking a slow or unguarded path. pyproject.toml pins the three libraries to the
minor versions this module was checked against.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import engineio
import engineio.async_socket
import socketio
from aiohttp import web_protocol, web_ws
from aiohttp._websocket import helpers as aiohttp_websocket
from aiohttp._websocket.reader import WebSocketDataQueue
from engineio.async_drivers import aiohttp as engineio_aiohttp
from socketio import packet as sio_packet
from socketio.async_pubsub_manager import AsyncPubSubManager


class LibraryChanged(RuntimeError):
    """A library no longer has an internal Tickwire relies on."""


# -- server: Engine.IO ----------------------------------------------------------------------

def use_websocket_class(server: engineio.AsyncServer, websocket_class: type) -> None:
    """Make ``server`` serve websockets with ``websocket_class`` (its ``_async`` driver table)."""
    server._async = {**server._async, "websocket": websocket_class}


def engineio_socket_of(websocket: engineio_aiohttp.WebSocket) -> engineio.async_socket.AsyncSocket:
    """The Engine.IO socket a websocket driver object was created for (its bound handler's
    owner)."""
    return websocket.handler.__self__


# -- server: Socket.IO ----------------------------------------------------------------------

def namespace_members(manager: socketio.AsyncManager, namespace: str, room: str | None
                      ) -> Mapping[str, str]:
    """``{sid: eio_sid}`` of a room (or of the whole namespace when ``room`` is None), read in
    place without a copy."""
    return manager.rooms.get(namespace, {}).get(room, {})


async def dispatch_packet(server: socketio.AsyncServer, eio_sid: str, packet_type: int,
                          namespace: str, data: Any, packet_id: int | None) -> None:
    """Hand an already decoded and checked CONNECT, DISCONNECT or EVENT packet to
    python-socketio's handlers, so a message is decoded once."""
    if packet_type == sio_packet.EVENT:
        await server._handle_event(eio_sid, namespace, packet_id, data)
    elif packet_type == sio_packet.CONNECT:
        await server._handle_connect(eio_sid, namespace, data)
    elif packet_type == sio_packet.DISCONNECT:
        await server._handle_disconnect(eio_sid, namespace, server.reason.CLIENT_DISCONNECT)
    else:
        raise ValueError(f"packet type {packet_type} is not dispatched")


# -- server: python-socketio's pub/sub managers (cluster) ----------------------------------

class OwnListener:
    """Mixin, before a python-socketio pub/sub manager class in the bases: the manager's
    pub/sub loop (``AsyncPubSubManager._thread``) reads what ``messages()`` yields instead of
    the backend's own ``_listen`` (the hook every backend implements; the Redis one stops
    hearing after a Redis restart, python-socketio issue #1581)."""

    def messages(self) -> AsyncIterator[Any]:
        """The published messages, as the backend's ``_listen`` would yield them."""
        raise NotImplementedError

    def _listen(self) -> AsyncIterator[Any]:
        return self.messages()


# -- server: aiohttp ------------------------------------------------------------------------

def replace_websocket_parser(request: Any, make_parser: Callable[[Any], Any]) -> bool:
    """Put ``make_parser(aiohttp's parser)`` in front of a prepared websocket's frame parser.

    False (nothing changed) when the connection has no parser to replace.
    """
    protocol = request.protocol
    parser = getattr(protocol, "_payload_parser", None)
    if parser is None:
        return False
    protocol._payload_parser = make_parser(parser)
    return True


def mask_in_place(key: bytes, payload: bytearray) -> None:
    """XOR ``payload`` with a websocket masking ``key`` (RFC 6455 5.3), in place: aiohttp's
    compiled helper, three times as fast as Python's big-integer XOR on an input."""
    aiohttp_websocket.websocket_mask(key, payload)


def websocket_queue_empty(websocket: web_ws.WebSocketResponse) -> bool:
    """True when the websocket's reader holds no parsed message waiting for ``receive()``."""
    reader = websocket._reader
    return reader is None or not reader._buffer


# -- client ---------------------------------------------------------------------------------

async def cut_client_transport(client: socketio.AsyncClient) -> None:
    """Close a Python client's websocket without an Engine.IO or Socket.IO goodbye, as a
    network failure would."""
    await client.eio.ws.close()


# -- the start-up check ---------------------------------------------------------------------

def self_check() -> None:
    """Raise ``LibraryChanged`` naming every internal above that is missing."""
    missing = [f"{owner}.{name} ({use})" for owner, obj, name, use in _requirements()
               if not _has(obj, name)]
    if missing:
        raise LibraryChanged(
            "python-engineio, python-socketio or aiohttp changed; Tickwire needs: "
            + "; ".join(missing) + ". Install the versions pinned in pyproject.toml.")


def _has(obj: Any, name: str) -> bool:
    if isinstance(obj, type) and hasattr(obj, "__slots__") and name in getattr(
            obj, "__slots__", ()):
        return True
    return hasattr(obj, name)


def _requirements() -> list[tuple[str, Any, str, str]]:
    loop = asyncio.new_event_loop()
    try:
        engine = engineio.AsyncServer(async_mode="aiohttp")
        engine_socket = engineio.async_socket.AsyncSocket(engine, "check")
        manager = socketio.AsyncManager()
        queue = WebSocketDataQueue(None, 1, loop=loop)  # type: ignore[arg-type]  # only looked at
        client = engineio.AsyncClient()
    finally:
        loop.close()
    driver = engineio_aiohttp.WebSocket(engine_socket.receive, engine)
    return [
        ("engineio.AsyncServer", engine, "_async", "websocket driver table"),
        ("aiohttp._websocket.helpers", aiohttp_websocket, "websocket_mask",
         "unmasking fast-lane frames"),
        ("engineio WebSocket", driver, "handler", "the socket a websocket serves"),
        ("engineio.AsyncSocket", engine_socket, "queue", "bounded send queue"),
        ("engineio.AsyncSocket", engine_socket, "connected", "direct websocket serving"),
        ("engineio.AsyncSocket", engine_socket, "upgraded", "direct websocket serving"),
        ("engineio.AsyncSocket", engine_socket, "closed", "direct websocket serving"),
        ("socketio.AsyncServer", socketio.AsyncServer, "_engineio_server_class",
         "Tickwire's Engine.IO server"),
        ("socketio.AsyncServer", socketio.AsyncServer, "_handle_eio_connect",
         "connection limits"),
        ("socketio.AsyncServer", socketio.AsyncServer, "_handle_eio_message",
         "counting and checking every message"),
        ("socketio.AsyncServer", socketio.AsyncServer, "_handle_eio_disconnect",
         "closing a websocket with its session"),
        ("socketio.AsyncServer", socketio.AsyncServer, "_handle_event", "dispatch"),
        ("socketio.AsyncServer", socketio.AsyncServer, "_handle_connect", "dispatch"),
        ("socketio.AsyncServer", socketio.AsyncServer, "_handle_disconnect", "dispatch"),
        ("socketio.AsyncManager", manager, "rooms", "encode-once fan-out"),
        ("socketio.AsyncPubSubManager", AsyncPubSubManager, "_listen",
         "cluster message queue that survives a Redis restart"),
        ("socketio.AsyncPubSubManager", AsyncPubSubManager, "_thread",
         "cluster message queue that survives a Redis restart"),
        ("aiohttp RequestHandler", web_protocol.RequestHandler, "_payload_parser",
         "input fast lane"),
        ("aiohttp WebSocketResponse", web_ws.WebSocketResponse, "_reader", "input fast lane"),
        ("aiohttp WebSocketDataQueue", queue, "_buffer", "input fast lane"),
        ("engineio.AsyncClient", client, "ws", "Python client's drop_connection"),
    ]
