"""Rules of the reference arena game, without the network."""

from __future__ import annotations

import itertools
import math
import random

from server.games.arena import MOVE_BUDGET, Arena
from server.games.base import Player
from shared.games.arena import RULES, move

DT = 0.05


def make_arena(**settings) -> Arena:
    ids = itertools.count(1000)
    merged = Arena.settings_schema.merge(Arena.settings_schema.defaults(), settings)
    return Arena(merged, lambda: next(ids), random.Random(1), DT)


def stick(dx=0.0, dy=0.0, aim=0.0, fire=False) -> dict:
    return {"dx": dx, "dy": dy, "aim": aim, "fire": fire}


def test_each_input_moves_one_tick_worth_within_the_budget():
    arena = make_arena(npcs=0)
    ann = Player(1, "ann")
    arena.join(ann)
    ship = arena.ships[1]
    ship.x, ship.y = 500.0, 500.0
    arena.apply(ann, stick(dx=1))
    assert (ship.x, ship.y) == move(500.0, 500.0, 1, 0, DT) == (507.5, 500.0)
    for _ in range(10):  # a burst far above the tick rate
        arena.apply(ann, stick(dx=1))
    assert ship.x == 507.5  # the budget of one move per tick was spent
    for _ in range(10):
        arena.step(1)
    for _ in range(10):
        arena.apply(ann, stick(dx=1))
    assert ship.x == 507.5 + MOVE_BUDGET * 7.5  # banked moves absorb jitter, no more


def test_diagonal_input_is_not_faster():
    x, y = move(500.0, 500.0, 1.0, 1.0, DT)
    assert math.hypot(x - 500, y - 500) <= RULES.player_speed * DT + RULES.position_step


def duel(score_limit: int, started: bool = True) -> tuple[Arena, Player]:
    """Ann at (100, 100) facing Bob at (150, 100), in a started round unless told otherwise."""
    arena = make_arena(npcs=0, score_limit=score_limit)
    ann, bob = Player(1, "ann"), Player(2, "bob")
    arena.join(ann)
    arena.join(bob)
    if started:
        arena.start()
        arena.step(1)
    arena.ships[1].x = arena.ships[1].y = 100.0
    arena.ships[2].x, arena.ships[2].y = 150.0, 100.0
    return arena, ann


def test_a_kill_scores_during_a_round_and_the_victim_respawns():
    arena, ann = duel(score_limit=5)
    assert arena.phase == "playing"
    shooter, target = arena.ships[1], arena.ships[2]
    for tick in range(2, 200):
        arena.apply(ann, stick(aim=0.0, fire=True))
        arena.step(tick)
        if shooter.score:
            break
    assert shooter.score == 1
    assert target.hp == 0 and target.respawn_in > 0
    for later in range(tick + 1, tick + 1 + round(RULES.respawn_delay / DT) + 2):
        arena.step(later)
    assert target.hp == RULES.player_hp


def test_the_round_ends_at_the_score_limit_with_a_winner():
    arena, ann = duel(score_limit=1)
    tick = 2
    while arena.phase == "playing" and tick < 200:
        arena.apply(ann, stick(fire=True))
        arena.step(tick)
        tick += 1
    assert arena.status()["phase"] == "ended"
    assert arena.status()["winner"] == "ann"


def test_warmup_kills_do_not_score():
    arena, ann = duel(score_limit=10, started=False)
    for tick in range(1, 200):
        arena.apply(ann, stick(fire=True))
        arena.step(tick)
        if arena.ships[2].hp == 0:
            break
    assert arena.phase == "warmup"
    assert arena.ships[2].hp == 0 and arena.ships[1].score == 0


class Recorder:
    """A message sink that keeps what the game broadcast."""

    def __init__(self) -> None:
        self.broadcasts: list[tuple[str, object]] = []

    def send(self, player_id, kind, payload=None):
        raise AssertionError("the arena only broadcasts")

    def broadcast(self, kind, payload=None):
        self.broadcasts.append((kind, payload))


def test_a_kill_and_only_a_kill_is_announced_for_the_kill_feed():
    arena, ann = duel(score_limit=5)
    recorder = arena.messages = Recorder()
    for tick in range(2, 200):
        arena.apply(ann, stick(fire=True))
        arena.step(tick)
        if recorder.broadcasts:
            break
    assert arena.ships[2].hp == 0  # the hits before the last one were not announced
    assert recorder.broadcasts == [
        ("kill", {"killer": "ann", "killer_id": 1, "victim": "bob", "victim_id": 2})]
