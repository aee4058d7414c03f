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


def duel(score_limit: int, started: bool = True, shielded: bool = False,
         countdown: int = 0) -> tuple[Arena, Player]:
    """Ann at (100, 100) facing Bob at (150, 100), in a started round (after its countdown)
    unless told otherwise, their spawn shields gone unless told otherwise."""
    arena = make_arena(npcs=0, score_limit=score_limit, countdown=countdown)
    ann, bob = Player(1, "ann"), Player(2, "bob")
    arena.join(ann)
    arena.join(bob)
    if started:
        arena.start()
        arena.step(1)
    arena.ships[1].x = arena.ships[1].y = 100.0
    arena.ships[2].x, arena.ships[2].y = 150.0, 100.0
    if not shielded:
        for ship in arena.ships.values():
            ship.shield_until, ship.shield = 0, False
    return arena, ann


def ticks(seconds: float) -> int:
    return round(seconds / DT)


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
    assert target.hp == 0 and target.respawn_tick == tick + ticks(RULES.respawn_delay)
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
    """A message sink that keeps what the game sent and broadcast."""

    def __init__(self) -> None:
        self.broadcasts: list[tuple[str, object]] = []
        self.sent: list[tuple[int, str, object]] = []

    def send(self, player_id, kind, payload=None):
        self.sent.append((player_id, kind, payload))

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


def shoot_until(arena: Arena, shooter: Player, done, first: int = 2, last: int = 400) -> int:
    """Fire east every tick from ``first`` until ``done()``; returns the tick it held at."""
    for tick in range(first, last):
        arena.apply(shooter, stick(fire=True))
        arena.step(tick)
        if done():
            return tick
    raise AssertionError("never happened")


def test_the_countdown_holds_fire_then_begins_the_round_at_the_announced_tick():
    arena, ann = duel(score_limit=5, started=False, countdown=3)
    arena.ships[1].score = 4
    arena.start()
    assert arena.status()["phase"] == "starting"
    arena.step(1)
    status = arena.status()
    assert status["phase"] == "starting" and status["phase_ends_tick"] == 1 + ticks(3)
    assert arena.ships[1].score == 0  # a fresh round
    for tick in range(2, 1 + ticks(3)):
        arena.apply(ann, stick(dx=1, fire=True))
        arena.step(tick)
    assert arena.phase == "starting"
    assert not [b for b in arena.entities.values() if b.kind == RULES.kinds["bullet"]]
    arena.apply(ann, stick())  # (holding fire would drop the shield the round begins with)
    arena.step(1 + ticks(3))
    status = arena.status()
    assert status["phase"] == "playing"
    assert status["round_ends_tick"] == status["phase_ends_tick"] == 1 + ticks(3) + ticks(300)
    assert all(ship.shield for ship in arena.ships.values())  # shielded as the round begins


def test_a_spawn_shield_absorbs_hits_until_it_runs_out():
    arena, ann = duel(score_limit=5, shielded=True)
    bob = arena.ships[2]
    assert bob.shield and bob.shield_until == 1 + ticks(RULES.spawn_shield)
    tick = shoot_until(arena, ann, lambda: bob.hp < RULES.player_hp)
    assert tick >= bob.shield_until and not bob.shield


def test_firing_drops_your_own_shield():
    arena, ann = duel(score_limit=5, shielded=True)
    ann_ship, bob_ship = arena.ships[1], arena.ships[2]
    arena.apply(Player(2, "bob"), stick())
    arena.apply(ann, stick(fire=True))
    arena.step(2)
    assert not ann_ship.shield and ann_ship.shield_until == 0
    assert bob_ship.shield


def bullets(arena: Arena) -> int:
    return sum(body.kind == RULES.kinds["bullet"] for body in arena.entities.values())


def test_a_tap_within_one_tick_fires_once_and_the_next_tick_starts_released():
    arena, ann = duel(score_limit=5)
    south = math.pi / 2  # away from Bob, so the bullet flies on
    arena.apply(ann, stick(aim=south, fire=True))
    arena.apply(ann, stick(aim=south, fire=False))  # released before the tick: still a shot
    arena.step(2)
    assert bullets(arena) == 1
    for tick in range(3, 3 + ticks(RULES.fire_cooldown) + 2):  # no input: released
        arena.step(tick)
    assert bullets(arena) == 1


def test_a_destroyed_player_is_told_by_whom_and_comes_back_shielded_after_the_delay():
    arena, ann = duel(score_limit=5)
    recorder = arena.messages = Recorder()
    bob = arena.ships[2]
    killed = shoot_until(arena, ann, lambda: bob.hp == 0)
    back = killed + ticks(RULES.respawn_delay)
    assert recorder.sent == [(2, "destroyed", {"by": "ann", "by_id": 1, "respawn_tick": back})]
    assert bob.deaths == 1
    for tick in range(killed + 1, back):
        arena.step(tick)
        assert bob.hp == 0
    arena.step(back)
    assert bob.hp == RULES.player_hp and bob.shield


def test_a_round_ends_with_standings_then_the_next_countdown_resets_the_scores():
    arena, ann = duel(score_limit=1)
    arena.join(Player(3, "cid"))
    arena.ships[3].x = arena.ships[3].y = 900.0  # out of the line of fire
    ended = shoot_until(arena, ann, lambda: arena.phase == "ended")
    status = arena.status()
    assert status["winner"] == "ann"
    assert status["standings"] == [
        {"id": 1, "name": "ann", "score": 1, "deaths": 0},
        {"id": 3, "name": "cid", "score": 0, "deaths": 0},
        {"id": 2, "name": "bob", "score": 0, "deaths": 1},
    ]
    next_round = status["phase_ends_tick"]
    assert next_round == ended + ticks(RULES.round_end_pause)
    frozen = (arena.ships[1].x, arena.ships[1].y)
    for tick in range(ended + 1, next_round):
        arena.apply(ann, stick(dx=1))
        arena.step(tick)
    assert arena.phase == "ended" and (arena.ships[1].x, arena.ships[1].y) == frozen
    arena.step(next_round)  # countdown 0: the next round begins at once
    status = arena.status()
    assert status["phase"] == "playing" and status["standings"] == [] and not status["winner"]
    assert [ship.score for ship in arena.ships.values()] == [0, 0, 0]
    assert arena.ships[2].hp == RULES.player_hp


def test_a_round_nobody_scored_in_has_no_winner():
    arena = make_arena(npcs=0, time_limit=30, countdown=0)
    arena.join(Player(1, "ann"))
    arena.start()
    for tick in range(1, 2 + ticks(30)):
        arena.step(tick)
    assert arena.status()["phase"] == "ended" and arena.status()["winner"] == ""
    assert arena.result().winner is None


def test_each_player_gets_the_lowest_free_colour_slot():
    arena = make_arena(npcs=0)
    for pid in (5, 9, 12):
        arena.join(Player(pid, f"p{pid}"))
    assert arena.status()["colors"] == [[5, 0], [9, 1], [12, 2]]
    arena.leave(Player(9, "p9"))
    arena.join(Player(20, "p20"))
    assert arena.status()["colors"] == [[5, 0], [12, 2], [20, 1]]
