"""The browser's state mirror reads the server's deltas exactly: a random world evolves on the
Python side, its keyframe and state messages (``shared.delta``) are fed to the JavaScript
``StateMirror``, and after every tick both hold the same entities and acks."""

from __future__ import annotations

import random

from server.games.arena import Arena
from shared.delta import diff, diff_acks, keyframe_message, state_message
from shared.schema import Quantized

TICKS = 300
NAMES = ("ace", "bolt", "comet", "dash", "échappée", "")


def _entity(rng: random.Random) -> tuple[Quantized, ...]:
    return (rng.randrange(4001), rng.randrange(4001), rng.randrange(256), rng.randrange(101),
            rng.randrange(20), rng.randrange(3), rng.choice(NAMES))


def _evolve(rng: random.Random, entity: tuple[Quantized, ...]) -> tuple[Quantized, ...]:
    x, y, angle, hp, score, kind, name = entity
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
    return x, y, angle, hp, score, kind, name


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
