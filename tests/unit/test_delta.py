"""Property tests: a delta turns the previous state into the next one exactly."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from socketio import packet as sio_packet

from client.mirror import StateMirror
from shared import delta
from shared.schema import EntitySchema, angle, flag, num, text
from shared.wire import TickwirePacket

SCHEMA = EntitySchema(num("x", 0.25), num("y", 0.25), angle("aim"), num("hp"), text("name", 8),
                      flag("alive"))

wire_values = st.tuples(
    st.integers(-(2**40), 2**40),
    st.integers(-(2**40), 2**40),
    st.integers(0, 255),
    st.integers(-1000, 1000),
    st.text(max_size=8),
    st.booleans(),
)
snapshots = st.dictionaries(st.integers(1, 60), wire_values, max_size=40)
acks = st.dictionaries(st.integers(1, 60), st.integers(0, 2**31 - 1), max_size=10)
player_ids = st.lists(st.integers(1, 60), max_size=5, unique=True)


def through_the_wire(message: list) -> list:
    """Encode a message as the server does and decode it as a client does."""
    encoded = TickwirePacket(sio_packet.EVENT, data=["s", message], namespace="/").encode()
    return TickwirePacket(encoded_packet=encoded).data[1]


@settings(max_examples=300, deadline=None)
@given(before=snapshots, after=snapshots)
def test_diff_then_apply_gives_the_new_snapshot(before, after):
    groups, spawns, removes = delta.diff(SCHEMA, before, after)
    mirror = {eid: list(values) for eid, values in before.items()}
    delta.apply(SCHEMA, mirror, groups, spawns, removes)
    assert mirror == {eid: list(values) for eid, values in after.items()}


@settings(max_examples=300, deadline=None)
@given(before=snapshots, after=snapshots, acks_before=acks, acks_growth=acks, gone=player_ids)
def test_state_messages_survive_encoding_and_keep_mirrors_equal(
    before, after, acks_before, acks_growth, gone
):
    acks_after = {pid: acks_before.get(pid, 0) + grow for pid, grow in acks_growth.items()}
    acks_after = {pid: seq for pid, seq in {**acks_before, **acks_after}.items()
                  if pid not in gone}
    mirror = StateMirror(SCHEMA, player_id=None)
    mirror.load_keyframe(through_the_wire(delta.keyframe_message(7, before, acks_before)))
    assert mirror.digest() == delta.state_hash(before, acks_before)

    groups, spawns, removes = delta.diff(SCHEMA, before, after)
    message = delta.state_message(8, groups, delta.diff_acks(acks_before, acks_after), spawns,
                                  removes, gone)
    assert mirror.apply_state(through_the_wire(message))
    assert mirror.tick == 8
    assert mirror.entities == {eid: list(values) for eid, values in after.items()}
    assert mirror.digest() == delta.state_hash(after, acks_after)


@given(before=snapshots)
def test_unchanged_state_costs_only_the_tick(before):
    groups, spawns, removes = delta.diff(SCHEMA, before, before)
    assert delta.state_message(3, groups, [], spawns, removes, []) == [3]


@given(old=st.integers(0, 255), new=st.integers(0, 255))
def test_angles_travel_as_the_shortest_turn(old, new):
    groups, _, _ = delta.diff(SCHEMA, {1: (0, 0, old, 0, "", False)},
                              {1: (0, 0, new, 0, "", False)})
    if old != new:
        change = groups[-1]
        assert -128 <= change < 128
        assert (old + change) % 256 == new


def test_moving_entities_are_grouped_and_small():
    before = {eid: (eid * 40, eid * 40, 0, 100, "n", True) for eid in range(1, 25)}
    after = {eid: (x + 20, y - 28, a, hp, n, al) for eid, (x, y, a, hp, n, al) in before.items()}
    groups, spawns, removes = delta.diff(SCHEMA, before, after)
    assert groups[:2] == [0b11, 24]  # one group: x and y changed, 24 entities
    assert spawns == [] and removes == []
    message = delta.state_message(1000, groups, [], spawns, removes, [])
    encoded = TickwirePacket(sio_packet.EVENT, data=["s", message], namespace="/").encode()
    # 24 entities x (id + dx + dy) one byte each, plus small framing
    assert len(encoded) < 24 * 3 + 32


def test_a_gap_is_detected_and_the_mirror_waits_for_a_keyframe():
    mirror = StateMirror(SCHEMA, player_id=None)
    mirror.load_keyframe([10, [], []])
    assert mirror.apply_state([11])
    assert not mirror.apply_state([13])
    assert not mirror.synced and mirror.gaps == 1
    assert mirror.apply_state([14])  # ignored until the next keyframe
    assert mirror.tick is None
    mirror.load_keyframe([14, [], []])
    assert mirror.apply_state([15]) and mirror.tick == 15


def test_a_delta_for_an_unknown_entity_counts_as_a_gap():
    mirror = StateMirror(SCHEMA, player_id=None)
    mirror.load_keyframe([1, [], []])
    assert not mirror.apply_state([2, [0b1, 1, 99, 4]])


def test_dequantized_view_uses_the_declared_steps():
    mirror = StateMirror(SCHEMA, player_id=5)
    mirror.load_keyframe([1, [[5, 4001, -3, 64, 90, "ann", True]], [5, 12]])
    me = mirror.me()
    assert me["x"] == 1000.25 and me["y"] == -0.75
    assert math.isclose(me["aim"], math.pi / 2)
    assert me["hp"] == 90 and me["name"] == "ann" and me["alive"] is True
    assert mirror.ack == 12
