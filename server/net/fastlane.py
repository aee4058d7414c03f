"""A fast lane for small binary websocket frames, in front of aiohttp's websocket parser.

Every input a client sends is one small binary frame. Through aiohttp each one becomes a
message object in a queue, wakes the connection's reading task, and comes back out of
``receive()``; at thousands of inputs a second that machinery costs more than handling the
input. ``FrameSplitter`` takes the connection's bytes first: it finds frame boundaries, and a
complete, unfragmented, masked binary frame of under 126 bytes is offered to ``dispatch``
right there, provided the reading task is idle with nothing queued (so messages keep their
order). Everything else (text, control, fragmented, large or partial frames, and anything
``dispatch`` declines) is passed on, byte for byte and in order, to aiohttp's parser, which
validates it exactly as before. While a fragmented message is open every frame goes to aiohttp,
which refuses a data frame in the middle of one. A client frame without a mask is a protocol
violation (RFC 6455 5.1) that aiohttp lets through: the splitter reports it and stops. Once
the connection is cut (``ended``), the rest of what was read is dropped unparsed: a flooder's
read buffer can hold tens of thousands of tiny frames, and walking them would delay ticks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from shared import compat

FIN = 0x80
FIN_BINARY = 0x82
MASKED = 0x80
CONTROL = 0x08  # opcode bit of close, ping and pong frames
SMALL_FRAME_LIMIT = 125  # payload lengths that fit the 7-bit length field
SMALL_HEADER = 6  # 2 bytes + 4-byte mask


class Parser(Protocol):
    """aiohttp's websocket parser, as the HTTP protocol drives it."""

    def feed_data(self, data: bytes) -> tuple[bool, bytes]:
        """Parse bytes; ``(True, ...)`` once the stream is finished or broken."""

    def feed_eof(self) -> None:
        """No more bytes."""


def unmask(payload: bytes, key: bytes) -> bytes:
    """XOR a client frame's payload with its 4-byte masking key (RFC 6455 5.3)."""
    unmasked = bytearray(payload)
    compat.mask_in_place(key, unmasked)
    return bytes(unmasked)


def frame_size(data: bytes, start: int) -> int | None:
    """Total length of the frame starting at ``start``, or None if its header is incomplete."""
    available = len(data) - start
    if available < 2:
        return None
    second = data[start + 1]
    length = second & 0x7F
    header = 2 + (4 if second & MASKED else 0)
    if length == 126:
        header += 2
        if available < 4:
            return None
        length = int.from_bytes(data[start + 2:start + 4], "big")
    elif length == 127:
        header += 8
        if available < 10:
            return None
        length = int.from_bytes(data[start + 2:start + 10], "big")
    return header + length


class FrameSplitter:
    """Replaces a connection's websocket parser; see the module docstring.

    :param parser: aiohttp's parser, which receives everything not handled here.
    :param idle: True when the reading task waits for a message and none is queued.
    :param dispatch: handles one unmasked payload; False leaves it to the normal path.
    :param violation: called once when the client sends an unmasked frame; nothing is parsed
        after it.
    :param ended: True once the connection is cut; nothing more is parsed (never, by default).
    """

    def __init__(self, parser: Parser, idle: Callable[[], bool],
                 dispatch: Callable[[bytes], bool], violation: Callable[[], None],
                 ended: Callable[[], bool] = lambda: False) -> None:
        self.parser = parser
        self.idle = idle
        self.dispatch = dispatch
        self.violation = violation
        self.ended = ended
        self._partial = b""  # the start of a small frame, or of a frame header
        self._streaming = 0  # bytes of a large frame still to pass to aiohttp
        self._fragmented = False  # a message's first frame passed without its last one
        self._broken = False  # an unmasked frame arrived: nothing more is parsed

    def feed_eof(self) -> None:
        """The connection ended."""
        self.parser.feed_eof()

    def feed_data(self, data: Any) -> tuple[bool, bytes]:
        """Take bytes from the connection (same contract as aiohttp's parser)."""
        if self._broken:
            return True, b""
        if self.ended():
            return False, b""
        if self._partial:
            data = self._partial + bytes(data)
            self._partial = b""
        elif type(data) is not bytes:
            data = bytes(data)
        position, end = 0, len(data)
        while position < end:
            if self._streaming:
                take = min(self._streaming, end - position)
                self._streaming -= take
                finished, tail = self.parser.feed_data(data[position:position + take])
                position += take
            else:
                size = frame_size(data, position)
                if size is None or (position + size > end
                                    and size <= SMALL_HEADER + SMALL_FRAME_LIMIT):
                    self._partial = data[position:]  # at most a small frame: wait for it
                    break
                if not data[position + 1] & MASKED:
                    self._broken = True
                    self.violation()
                    return True, b""
                stop = position + size
                if stop <= end and not self._fragmented and self._handled(data, position, stop):
                    if self.ended():
                        return False, b""
                    position = stop
                    continue
                self._track_fragments(data[position])
                finished, tail = self.parser.feed_data(data[position:min(stop, end)])
                self._streaming = max(0, stop - end)
                position = min(stop, end)
            if finished:
                return finished, tail
        return False, b""

    def _track_fragments(self, first: int) -> None:
        """Note whether a message stays open after a frame with first byte ``first``."""
        if not first & CONTROL:  # control frames may come between a message's fragments
            self._fragmented = not first & FIN

    def _handled(self, data: bytes, start: int, stop: int) -> bool:
        second = data[start + 1]
        if (data[start] != FIN_BINARY or (second & 0x7F) > SMALL_FRAME_LIMIT
                or not self.idle()):
            return False
        payload_start = start + SMALL_HEADER
        return self.dispatch(unmask(data[payload_start:stop], data[start + 2:payload_start]))
