"""The event log and the SQLite outbox on their own: bounds that drop the oldest non-results
and never a result, per-sink cursors and depths across a reopen, the history kept for
readers, one process per outbox; and the arena's kill events and result."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sqlite3
import time

import pytest

from server.events.model import EventLog, envelope
from server.events.outbox import OUTBOX_FILE, NewEvent, Outbox, OutboxInUse
from server.games.arena import SHIP, Arena, Ship
from server.games.base import Player
from tests.events.helpers import check_event


def new(type_: str, number: int) -> NewEvent:
    return NewEvent(f"id-{number}", type_, "room", True, type_ == "room.ended", 0.0,
                    b'{"n": %d}' % number)


async def test_past_its_bound_the_outbox_drops_the_oldest_non_results(tmp_path):
    outbox = Outbox(str(tmp_path), ["a", "b"], max_events=5, history=0, ack_interval=0)
    await outbox.open()
    try:
        types = ["room.ended" if n % 4 == 0 else "player.joined" for n in range(11)]
        stored, dropped = await outbox.append(list(enumerate(types)),
                                              lambda item: new(item[1], item[0]))
        assert dropped == {"a": 6, "b": 6}
        kept = await outbox.read(0, 100)
        assert [e.id for e in kept] == ["id-0", "id-4", "id-8", "id-9", "id-10"]
        assert outbox.depths == {"a": 5, "b": 5}

        await outbox.ack("a", stored[-1].pos, 5)
        assert outbox.depths == {"a": 0, "b": 5}
        assert len(await outbox.read(0, 100)) == 5  # b has not had them
    finally:
        await outbox.close()


async def test_results_are_never_dropped_even_past_the_bound(tmp_path):
    outbox = Outbox(str(tmp_path), ["a"], max_events=2, history=0)
    await outbox.open()
    try:
        await outbox.append(list(range(5)), lambda n: new("room.ended", n))
        assert len(await outbox.read(0, 100)) == 5
    finally:
        await outbox.close()


async def test_delivered_events_leave_but_the_history_stays(tmp_path):
    outbox = Outbox(str(tmp_path), ["a", "b"], max_events=100, history=3, ack_interval=0)
    await outbox.open()
    try:
        stored, _ = await outbox.append(list(range(10)), lambda n: new("player.joined", n))
        await outbox.ack("a", stored[-1].pos, 10)
        assert len(await outbox.read(0, 100)) == 10
        await outbox.ack("b", stored[-1].pos, 10)
        assert [e.id for e in await outbox.read(0, 100)] == ["id-7", "id-8", "id-9"]
    finally:
        await outbox.close()


async def test_acknowledgements_gather_and_are_written_together_within_the_interval(tmp_path):
    outbox = Outbox(str(tmp_path), ["a", "b"], max_events=100, history=0, ack_interval=0.2)
    await outbox.open()
    try:
        stored, _ = await outbox.append(list(range(6)), lambda n: new("player.joined", n))
        for pos in (stored[1].pos, stored[3].pos):
            await outbox.ack("a", pos, 2)
        await outbox.ack("b", stored[5].pos, 6)
        assert outbox.cursors == {"a": stored[3].pos, "b": stored[5].pos}  # at once, in memory
        assert written_cursors(tmp_path) == {"a": 0, "b": 0}  # not on disk yet
        assert [e.id for e in await outbox.read(stored[3].pos, 10)] == ["id-4", "id-5"]
        began = time.monotonic()
        while written_cursors(tmp_path) != {"a": stored[3].pos, "b": stored[5].pos}:
            assert time.monotonic() - began < 5
            await asyncio.sleep(0.02)
        assert [e.id for e in await outbox.read(0, 10)] == ["id-4", "id-5"]  # a has them now
    finally:
        await outbox.close()


def written_cursors(directory) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(directory / OUTBOX_FILE)) as db:
        return dict(db.execute("SELECT sink, pos FROM cursors").fetchall())


async def test_cursors_survive_a_reopen_and_a_new_sink_starts_at_the_undelivered(tmp_path):
    outbox = Outbox(str(tmp_path), ["a", "b"], max_events=100, history=100)
    await outbox.open()
    stored, _ = await outbox.append(list(range(6)), lambda n: new("player.joined", n))
    await outbox.ack("a", stored[3].pos, 4)
    await outbox.ack("b", stored[1].pos, 2)
    await outbox.close()

    again = Outbox(str(tmp_path), ["a", "b", "c"], max_events=100, history=100)
    await again.open()
    try:
        assert again.cursors == {"a": stored[3].pos, "b": stored[1].pos, "c": stored[1].pos}
        assert again.depths == {"a": 2, "b": 4, "c": 4}
        assert again.last_pos == stored[-1].pos
    finally:
        await again.close()


async def test_one_outbox_per_process(tmp_path):
    first = Outbox(str(tmp_path), ["a"], max_events=10, history=0)
    await first.open()
    try:
        with pytest.raises(OutboxInUse, match="--data-dir"):
            await Outbox(str(tmp_path), ["a"], max_events=10, history=0).open()
    finally:
        await first.close()


async def test_the_memory_queue_drops_the_oldest_non_result_when_full():
    events = EventLog("node", max_queued=3)
    events.emit("room.ended", "r1", {})
    for number in range(4):
        events.emit("player.joined", "r1", {"n": number})
    events.emit("room.ended", "r2", {})
    assert [(e.type, e.data.get("n")) for e in events.queue] == [
        ("room.ended", None), ("player.joined", 3), ("room.ended", None)]
    assert events.dropped == 3


def test_an_envelope_is_a_cloudevent_that_fits_its_schema():
    events = EventLog("host:8000#2")
    record = events.emit("node.down", "host:8000#2", {"node": "host:8000#2",
                                                       "reason": "shutdown"})
    body = check_event(json.loads(envelope(record)))
    assert body["source"] == "/tickwire/host:8000%232"
    assert body["specversion"] == "1.0" and body["id"] == record.id


def test_the_arena_publishes_kills_and_counts_them_in_its_result():
    published: list[tuple[str, dict]] = []
    arena = Arena(Arena.settings_schema.defaults() | {"npcs": 0, "score_limit": 2,
                                                        "countdown": 0},
                  iter(range(100, 200)).__next__, random.Random(1), 0.05,
                  publish=lambda kind, data: published.append((kind, dict(data))))
    ann, bob = Player(1, "ann"), Player(2, "bob")
    arena.join(ann)
    arena.join(bob)
    arena.start()
    arena.step(1)
    for _ in range(2):
        victim = arena.ships[2]
        victim.hp, victim.shield = 1, False
        arena._hit(1, 2, victim)
        arena._respawn(victim, 1)
    assert published[0] == ("kill", {"killer": "ann", "killer_id": 1, "victim": "bob",
                                     "victim_id": 2, "drone": False})
    assert len(published) == 2 and arena.phase == "ended"
    result = arena.result()
    assert result.scores == {1: 2} and result.winner == 1
    assert isinstance(arena.ships[1], Ship) and arena.ships[1].kind == SHIP


async def test_reads_from_memory_give_the_oldest_events_past_the_cursor_as_the_disk_does(tmp_path):
    reads = ((0, 100), (0, 5), (11, 7), (39, 10), (40, 10))  # (after, limit)
    outbox = Outbox(str(tmp_path), ["a"], max_events=1000, history=1000, ack_interval=0)
    await outbox.open()
    try:
        stored, _ = await outbox.append(list(range(40)), lambda n: new("player.joined", n))
        assert [event.pos for event in stored] == list(range(1, 41))
        from_memory = [await outbox.read(after, limit) for after, limit in reads]
    finally:
        await outbox.close()
    reopened = Outbox(str(tmp_path), ["a"], max_events=1000, history=1000, ack_interval=0)
    await reopened.open()  # nothing in memory: every read goes to the disk
    try:
        from_disk = [await reopened.read(after, limit) for after, limit in reads]
    finally:
        await reopened.close()
    assert from_memory == from_disk
    assert [e.id for e in from_memory[2]] == [f"id-{n}" for n in range(11, 18)]
    assert [len(events) for events in from_memory] == [40, 5, 7, 1, 0]
