"""Rules of the reference arena game that the server and the browser's prediction share.

The constants live in ``arena.json``; ``arena.js`` implements ``move`` for the browser with
the same arithmetic, and a test runs both on the same random inputs.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ArenaRules:
    """Tuning of the arena; see ``arena.json``."""

    world: float
    position_step: float
    player_speed: float
    player_radius: float
    npc_speed: float
    npc_radius: float
    npc_hp: int
    player_hp: int
    bullet_speed: float
    bullet_life: float
    fire_cooldown: float
    bullet_damage: int
    respawn_delay: float  # seconds a destroyed ship waits to come back
    spawn_shield: float  # seconds a ship is invulnerable after (re)spawning and at a round's start
    round_end_pause: float
    kinds: dict[str, int]


RULES = ArenaRules(**json.loads(Path(__file__).with_name("arena.json").read_text()))


def snap(value: float) -> float:
    """Round a coordinate to the wire grid, so server state equals what clients receive."""
    step = RULES.position_step
    return math.floor(value / step + 0.5) * step


def clamp(value: float, world: float = RULES.world) -> float:
    """Keep a coordinate inside a world of side ``world``."""
    return 0.0 if value < 0.0 else world if value > world else value


def move(x: float, y: float, dx: float, dy: float, dt: float,
         world: float = RULES.world) -> tuple[float, float]:
    """A player's position after moving ``dt`` seconds with stick input ``(dx, dy)`` in a
    world of side ``world``.

    Inputs longer than 1 are scaled down to 1, so diagonals are not faster.
    """
    length = math.sqrt(dx * dx + dy * dy)
    if length > 1.0:
        dx /= length
        dy /= length
    distance = RULES.player_speed * dt
    return snap(clamp(x + dx * distance, world)), snap(clamp(y + dy * distance, world))
