"""How bots play the arena: each behaviour turns the mirrored state into the next input."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any, Protocol

from client.mirror import StateMirror
from shared.games.arena import RULES

SHIP, DRONE = RULES.kinds["ship"], RULES.kinds["drone"]
EDGE = 60.0  # a wandering bot this close to a wall turns towards the centre
FIRE_RANGE = 350.0


class Behaviour(Protocol):
    """Chooses the next arena input ``{dx, dy, aim, fire}`` from the current state."""

    def decide(self, mirror: StateMirror) -> dict[str, Any]:
        """The next input."""


class Wander:
    """Drifts around a world of side ``world``, turning now and then, shooting at random."""

    def __init__(self, rng: random.Random, world: float = RULES.world) -> None:
        self.rng = rng
        self.world = world
        self.heading = rng.random() * math.tau

    def decide(self, mirror: StateMirror) -> dict[str, Any]:
        me = mirror.me()
        if self.rng.random() < 0.05:
            self.heading += self.rng.uniform(-1.5, 1.5)
        if me is not None and _near_edge(me, self.world):
            centre = self.world / 2
            self.heading = math.atan2(centre - me["y"], centre - me["x"])
        return {"dx": math.cos(self.heading), "dy": math.sin(self.heading),
                "aim": math.remainder(self.heading, math.tau), "fire": self.rng.random() < 0.1}


class Hunter:
    """Chases the nearest ship (or drone when alone) it sees and shoots when in range."""

    def __init__(self, rng: random.Random, world: float = RULES.world) -> None:
        self.wander = Wander(rng, world)

    def decide(self, mirror: StateMirror) -> dict[str, Any]:
        me = mirror.me()
        if me is None:
            return self.wander.decide(mirror)
        target = _nearest(mirror, me, SHIP) or _nearest(mirror, me, DRONE)
        if target is None:
            return self.wander.decide(mirror)
        dx, dy = target["x"] - me["x"], target["y"] - me["y"]
        distance = math.hypot(dx, dy) or 1.0
        aim = math.atan2(dy, dx)
        closing = 1.0 if distance > FIRE_RANGE * 0.6 else -0.3
        return {"dx": dx / distance * closing, "dy": dy / distance * closing, "aim": aim,
                "fire": distance < FIRE_RANGE}


# name -> factory(rng, world side)
BEHAVIOURS: dict[str, Callable[[random.Random, float], Behaviour]] = {
    "wander": Wander, "hunter": Hunter}


def _near_edge(me: dict[str, Any], world: float) -> bool:
    far = world - EDGE
    return not (EDGE < me["x"] < far and EDGE < me["y"] < far)


def _nearest(mirror: StateMirror, me: dict[str, Any], kind: int) -> dict[str, Any] | None:
    best, best_distance = None, math.inf
    for eid, entity in mirror.view().items():
        if eid == mirror.player_id or entity["kind"] != kind or entity["hp"] <= 0:
            continue
        distance = (entity["x"] - me["x"]) ** 2 + (entity["y"] - me["y"]) ** 2
        if distance < best_distance:
            best, best_distance = entity, distance
    return best
