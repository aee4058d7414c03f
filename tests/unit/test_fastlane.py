"""The websocket fast lane: frames split correctly, handled or passed on in order."""

from __future__ import annotations

import os

from hypothesis import given
from hypothesis import strategies as st

from server.net.fastlane import FrameSplitter, frame_size, unmask


def client_frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """A masked client-to-server frame."""
    key = os.urandom(4)
    first = (0x80 if fin else 0) | opcode
    length = len(payload)
    if length < 126:
        header = bytes((first, 0x80 | length))
    elif length < 65536:
        header = bytes((first, 0x80 | 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((first, 0x80 | 127)) + length.to_bytes(8, "big")
    return header + key + unmask(payload, key)


def no_violation() -> None:
    raise AssertionError("no frame here breaks the protocol")


class RecordingParser:
    """Stands in for aiohttp's parser: keeps every byte it is given."""

    def __init__(self) -> None:
        self.received = b""

    def feed_data(self, data: bytes) -> tuple[bool, bytes]:
        self.received += data
        return False, b""

    def feed_eof(self) -> None:
        pass


frames = st.lists(st.one_of(
    st.tuples(st.just(2), st.binary(max_size=125)),        # small binary: may take the lane
    st.tuples(st.just(2), st.binary(min_size=126, max_size=300)),
    st.tuples(st.just(1), st.binary(max_size=50)),         # text
    st.tuples(st.just(9), st.binary(max_size=20)),         # ping
), max_size=12)


@given(frames=frames, cuts=st.lists(st.integers(1, 40), max_size=30),
       accept=st.sampled_from([b"", b"\x01"]))
def test_every_frame_is_handled_or_passed_on_once_in_order(frames, cuts, accept):
    encoded = [client_frame(opcode, payload) for opcode, payload in frames]
    parser = RecordingParser()
    handled: list[bytes] = []

    def dispatch(payload: bytes) -> bool:
        if payload.startswith(accept):
            handled.append(payload)
            return True
        return False

    # idle until something was passed on: later frames must then wait their turn too
    splitter = FrameSplitter(parser, idle=lambda: not parser.received, dispatch=dispatch,
                             violation=no_violation)
    stream = b"".join(encoded)
    position = 0
    for cut in cuts:
        splitter.feed_data(stream[position:position + cut])
        position += cut
    splitter.feed_data(stream[position:])

    expected_handled, expected_passed = [], b""
    for (opcode, payload), frame in zip(frames, encoded, strict=True):
        lane_open = not expected_passed
        if lane_open and opcode == 2 and len(payload) <= 125 and payload.startswith(accept):
            expected_handled.append(payload)
        else:
            expected_passed += frame
    assert handled == expected_handled
    assert parser.received == expected_passed


def test_frame_sizes_cover_every_length_encoding():
    for payload_size in (0, 125, 126, 65535, 65536):
        frame = client_frame(2, b"x" * payload_size)
        assert frame_size(frame, 0) == len(frame)
        assert frame_size(frame[:1], 0) is None


def test_frames_inside_a_fragmented_message_are_left_to_aiohttp():
    parser = RecordingParser()
    handled: list[bytes] = []
    splitter = FrameSplitter(parser, idle=lambda: True, violation=no_violation,
                             dispatch=lambda payload: handled.append(payload) or True)
    opening = client_frame(2, b"first half", fin=False)
    smuggled = client_frame(2, b"inside")  # aiohttp refuses a data frame here (1002)
    ping = client_frame(9, b"")
    closing = client_frame(0, b"second half")
    after = client_frame(2, b"after")
    splitter.feed_data(opening + smuggled + ping + closing + after)
    assert parser.received == opening + smuggled + ping + closing
    assert handled == [b"after"]


def test_an_unmasked_frame_is_a_violation_and_ends_parsing():
    parser = RecordingParser()
    violations: list[bool] = []
    splitter = FrameSplitter(parser, idle=lambda: True, dispatch=lambda payload: True,
                             violation=lambda: violations.append(True))
    masked = client_frame(2, b"ok")
    unmasked = bytes((0x82, 3)) + b"abc"
    assert splitter.feed_data(unmasked + masked) == (True, b"")
    assert splitter.feed_data(masked) == (True, b"")
    assert violations == [True]
    assert parser.received == b""


def test_once_the_connection_is_cut_the_rest_of_what_was_read_is_dropped():
    parser = RecordingParser()
    handled: list[bytes] = []

    def dispatch(payload: bytes) -> bool:  # the third refusal in a row cuts the connection
        handled.append(payload)
        return True

    splitter = FrameSplitter(parser, idle=lambda: True, dispatch=dispatch,
                             violation=no_violation, ended=lambda: len(handled) >= 3)
    flood = b"".join(client_frame(2, b"ack %d" % n) for n in range(1000))
    text = client_frame(1, b"late")
    assert splitter.feed_data(flood + text) == (False, b"")
    assert handled == [b"ack 0", b"ack 1", b"ack 2"]
    assert splitter.feed_data(client_frame(2, b"more") + text) == (False, b"")
    assert handled == [b"ack 0", b"ack 1", b"ack 2"] and parser.received == b""
