"""The Socket.IO packet class both ends use: msgpack, integer map keys allowed, shape checked."""

from __future__ import annotations

from typing import Any

import msgpack
from socketio import packet as sio_packet
from socketio.msgpack_packet import MsgPackPacket

from shared.protocol import LIMITS

_CAP = LIMITS.max_event_bytes * 16
# names python-socketio dispatches to its own connect/disconnect handlers, and "*", its
# catch-all handler (called without the event name when the event is "*"): never from the wire
RESERVED_EVENTS = frozenset({"connect", "connect_error", "disconnect", "disconnecting",
                             "newListener", "removeListener", "*"})
_EVENT = sio_packet.EVENT
_TYPES_WITH_LIST = (_EVENT, sio_packet.ACK)
# msgpack packets never use the BINARY_* types (attachments are inline)
_ALLOWED_TYPES = frozenset({sio_packet.CONNECT, sio_packet.DISCONNECT, sio_packet.EVENT,
                            sio_packet.ACK, sio_packet.CONNECT_ERROR})


_PACKER = msgpack.Packer()


class MalformedPacket(ValueError):
    """Bytes that are not a well-formed Socket.IO msgpack packet."""


class TickwirePacket(MsgPackPacket):
    """python-socketio's msgpack packet, decoding with integer keys, bounds and shape checks.

    msgpack's defaults refuse integer map keys (``strict_map_key``); the browser parser has no
    such rule, so both Python ends lift it. The length caps stop a small packet from claiming
    a huge container, and the shape checks turn any malformed packet into ``MalformedPacket``
    before python-socketio looks inside it.
    """

    def encode(self) -> bytes:
        """Encode the packet for transmission (with one reused packer)."""
        return _PACKER.pack(self._to_dict())

    def decode(self, encoded_packet: bytes) -> None:
        """Decode a received packet."""
        self.packet_type, self.data, self.id, self.namespace = check_packet(
            unpack(encoded_packet, self.__class__.ext_hook))


def unpack(encoded: bytes, ext_hook: Any = msgpack.ExtType) -> Any:
    """msgpack-decode received bytes with integer keys allowed and container sizes bounded."""
    try:
        return msgpack.unpackb(
            encoded, strict_map_key=False, ext_hook=ext_hook, max_str_len=_CAP,
            max_bin_len=_CAP, max_array_len=_CAP, max_map_len=_CAP, max_ext_len=_CAP,
        )
    except (ValueError, TypeError, msgpack.StackError) as error:
        raise MalformedPacket(f"not a msgpack Socket.IO packet: {error}") from None


def check_packet(decoded: Any) -> tuple[int, Any, int | None, str]:
    """``(type, data, id, namespace)`` of a decoded packet, or ``MalformedPacket``."""
    if not isinstance(decoded, dict):
        raise MalformedPacket("a Socket.IO packet must be a map")
    data: Any = decoded.get("data")
    packet_type, packet_id, namespace = decoded.get("type"), decoded.get("id"), decoded.get("nsp")
    if type(packet_type) is not int or packet_type not in _ALLOWED_TYPES:
        raise MalformedPacket("unknown packet type")
    if not isinstance(namespace, str):
        raise MalformedPacket("nsp must be a string")
    if packet_id is not None and (type(packet_id) is not int or packet_id < 0):
        raise MalformedPacket("id must be a non-negative integer")
    if packet_type in _TYPES_WITH_LIST and not isinstance(data, list):
        raise MalformedPacket("data must be a list")
    if packet_type == _EVENT:
        if not data or not isinstance(data[0], str):
            raise MalformedPacket("an event needs a name")
        if data[0] in RESERVED_EVENTS:
            raise MalformedPacket(f"{data[0]!r} is a reserved event name")
    return packet_type, data, packet_id, namespace
