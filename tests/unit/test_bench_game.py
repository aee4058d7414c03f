"""The benchmark's game (bench/game.py), without the network; and the arena without it."""

from __future__ import annotations

import itertools
import random

import pytest

from bench.game import BenchArena
from server.games.arena import Arena
from server.games.base import Player
from shared.games.arena import RULES
from shared.protocol import ProtocolError

DT = 0.05
SHIP, DRONE = RULES.kinds["ship"], RULES.kinds["drone"]


def make_bench(**settings) -> BenchArena:
    ids = itertools.count(1000)
    merged = BenchArena.settings_schema.merge(BenchArena.settings_schema.defaults(), settings)
    return BenchArena(merged, lambda: next(ids), random.Random(1), DT)


def test_every_ship_moves_every_tick_by_its_latest_input_and_health_churns():
    bench = make_bench(npcs=16)
    players = [Player(i, f"p{i}") for i in range(1, 9)]
    for player in players:
        bench.join(player)
        bench.apply(player, {"dx": 0.6, "dy": -0.8, "aim": 0.0, "fire": True})
    bench.start()
    ship = bench.ships[1]
    ship.x, ship.y = RULES.world / 2, RULES.world / 2
    bench.step(1)
    step = RULES.player_speed * DT
    assert (ship.x, ship.y) == pytest.approx((RULES.world / 2 + 0.6 * step,
                                              RULES.world / 2 - 0.8 * step))
    before = {eid: (body.x, body.y) for eid, body in bench.entities.items()}
    for tick in range(2, 401):
        bench.step(tick)
    after = {eid: (body.x, body.y) for eid, body in bench.entities.items()}
    assert all(before[eid] != after[eid] for eid in before)
    assert all(0 <= x <= RULES.world and 0 <= y <= RULES.world for x, y in after.values())
    assert any(body.hp < RULES.player_hp for body in bench.entities.values())
    assert any(body.score > 0 for body in bench.entities.values())
    kinds = [body.kind for body in bench.entities.values()]
    assert kinds.count(SHIP) == 8 and kinds.count(DRONE) == 16  # no bullets: no combat
    assert bench.status() == {}


def test_the_bench_game_shares_the_arenas_wire_schemas_under_its_own_name():
    assert BenchArena.name == "bench" != Arena.name
    assert BenchArena.entity_schema is Arena.entity_schema
    assert BenchArena.input_schema is Arena.input_schema
    assert BenchArena.settings_schema.defaults() == {"npcs": 16}


def test_the_arena_has_no_benchmark_mode():
    assert "mode" not in Arena.settings_schema.defaults()
    with pytest.raises(ProtocolError) as refused:
        Arena.settings_schema.merge(Arena.settings_schema.defaults(), {"mode": "bench"})
    assert refused.value.code == "bad_settings"
