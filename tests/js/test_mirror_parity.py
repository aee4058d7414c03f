"""The browser's state mirror reads the server's deltas exactly: a random world evolves on the
Python side, its keyframe and state messages (``shared.delta``; under interest management,
``server.interest``) are fed to the JavaScript ``StateMirror``, and after every tick both hold
the same entities and acks as the Python one."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

import msgpack

from client.mirror import StateMirror
from server.games.arena import Arena
from server.games.base import Player
from server.interest import CellSync
from shared.delta import diff, diff_acks, keyframe_message, state_message
from shared.grid import Grid
from shared.schema import Quantized

TICKS = 300
NAMES = ("ace", "bolt", "comet", "dash", "échappée", "")


def _entity(rng: random.Random) -> tuple[Quantized, ...]:
    return (rng.randrange(4001), rng.randrange(4001), rng.randrange(256), rng.randrange(101),
            rng.randrange(20), rng.randrange(3), rng.choice(NAMES), rng.random() < 0.5)


def _evolve(rng: random.Random, entity: tuple[Quantized, ...]) -> tuple[Quantized, ...]:
    x, y, angle, hp, score, kind, name, shield = entity
    if rng.random() < 0.7:
        x, y = x + rng.randint(-40, 40), y + rng.randint(-40, 40)
    if rng.random() < 0.3:
        angle = (angle + rng.randint(-130, 130)) % 256
    if rng.random() < 0.1:
        hp = max(0, hp - 25)
    if rng.random() < 0.05:
        score += 1
    if rng.random() < 0.02:
        name = rng.choice(NAMES)
    if rng.random() < 0.05:
        shield = not shield
    return x, y, angle, hp, score, kind, name, shield


def _world(rng: random.Random):
    """The keyframe, the state messages, and the expected mirror after each of them."""
    schema = Arena.entity_schema
    entities = {eid: _entity(rng) for eid in range(1, 15)}
    acks = {pid: rng.randrange(50) for pid in range(1, 6)}
    keyframe = keyframe_message(1, entities, acks)
    next_id = 100
    messages, expected = [], []
    for tick in range(2, TICKS + 2):
        before, before_acks = entities, dict(acks)
        entities = {eid: _evolve(rng, e) for eid, e in before.items() if rng.random() > 0.03}
        for _ in range(rng.choice((0, 0, 1, 3))):
            next_id += 1
            entities[next_id] = _entity(rng)
        for pid in acks:
            acks[pid] += rng.choice((0, 1, 1, 2))
        departed = [pid for pid in list(acks) if rng.random() < 0.01]
        for pid in departed:
            del acks[pid]
        groups, spawns, removes = diff(schema, before, entities)
        messages.append(state_message(tick, groups, diff_acks(before_acks, acks), spawns,
                                      removes, departed))
        expected.append([tick, sorted([eid, *v] for eid, v in entities.items()),
                         sorted([pid, seq] for pid, seq in acks.items())])
    return schema.describe(), keyframe, messages, expected


def test_js_mirror_follows_python_deltas(run_script):
    schema, keyframe, messages, expected = _world(random.Random(7))
    states = run_script("mirror_cli.mjs",
                        {"schema": schema, "keyframe": keyframe, "messages": messages})
    for want, got in zip(expected, states, strict=True):
        assert got == want, f"mirror differs at tick {want[0]}"


class _Body:
    """An entity as the arena's schema reads it, from wire values."""

    def __init__(self, values: tuple[Quantized, ...]) -> None:
        x, y, angle, self.hp, self.score, self.kind, self.name, self.shield = values
        self.x, self.y, self.angle = x * 0.25, y * 0.25, angle * 6.283185307179586 / 256


class _Capture:
    """A dispatcher keeping the decoded state messages sent to the one connection."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send_encoded(self, sid: str, event: str, payload: bytes) -> int:
        self.sent.append(msgpack.unpackb(payload, strict_map_key=False))
        return len(payload)


def test_js_mirror_follows_python_cells(run_script):
    rng = random.Random(11)
    schema, grid = Arena.entity_schema, Grid(world=1000, cell=100, view=1, slack=20, step=0.25)
    world = {eid: _entity(rng) for eid in range(1, 60)}
    sync, capture = CellSync(schema, grid), _Capture()
    seat = SimpleNamespace(player=Player(1, "me"))
    sync.advance(1, {eid: _Body(v) for eid, v in world.items()}, {1: 0}, [])
    keyframe = sync.keyframe_for("me", 1)
    python = StateMirror(schema, 1, interest=True)
    python.load_keyframe(keyframe)
    expected = []
    for tick in range(2, TICKS + 2):
        world = {eid: _evolve(rng, e) for eid, e in world.items()
                 if eid == 1 or rng.random() > 0.01}
        world[tick + 100] = _entity(rng)
        world[1] = ((tick * 40) % 4000, 2000, *world[1][2:])  # the viewer sweeps the world
        sync.advance(tick, {eid: _Body(v) for eid, v in world.items()}, {1: tick}, [])
        sync.deliver(capture, "room", {"me": seat})
        assert python.apply_state(capture.sent[-1])
        expected.append([tick, sorted([eid, *v] for eid, v in python.entities.items()),
                         [[1, tick]]])
    assert all(sum(len(message[part]) for message in capture.sent) > 10 for part in (2, 3))
    states = run_script("mirror_cli.mjs", {
        "schema": schema.describe(), "keyframe": keyframe, "messages": capture.sent,
        "playerId": 1, "interest": True})
    for want, got in zip(expected, states, strict=True):
        assert got == want, f"mirror differs at tick {want[0]}"
