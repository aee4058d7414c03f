"""The benchmark's game: the arena's ships and drones playing the load scenario, not a match.

The scenario (the same one the Colyseus reference server runs, ``bench/colyseus/arena_sim.js``):
no combat and no rounds; every tick each ship moves by its latest input at the arena's player
speed, each drone random-walks at the arena's drone speed, and every entity may lose 1 hp
(``HP_LOSS``, back to full at 0) and gain a point (``SCORE_GAIN``), which it publishes as a
game event (``bench.score``, about as often as arena kills: 24 a second in S2). The entity and input
schemas are the arena's, so states weigh what an arena's would. ``python -m bench.server``
serves it beside the arena as game ``"bench"``, and the same scenario in the large arena's
world with its interest management as ``"bench-large"`` (shape S4).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.games.arena import SHIP, Arena
from server.games.base import Player
from shared.games.arena import RULES, clamp
from shared.games.arena_large import GRID, LARGE
from shared.schema import Setting, SettingsSchema

HP_LOSS = 0.01  # chance per entity per tick to lose 1 hp
SCORE_GAIN = 0.002  # chance per entity per tick to gain 1 point


class BenchArena(Arena):
    """The load scenario on the arena's entities; see the module docstring.

    Settings: ``npcs`` (16, 0-64), the drones in the room.
    """

    name = "bench"
    settings_schema = SettingsSchema(Setting("npcs", 16, 0, 64))

    @classmethod
    def max_entities(cls, settings: Mapping[str, Any], max_players: int) -> int:
        """Ships and drones; the scenario fires no bullets."""
        return max_players + settings["npcs"]

    def start(self) -> None:
        """No rounds: the scenario runs from the first tick."""

    def apply(self, player: Player, values: dict[str, Any]) -> None:
        ship = self.ships.get(player.id)
        if ship is not None:
            ship.dx, ship.dy = values["dx"], values["dy"]

    def step(self, tick: int) -> None:
        rng = self.rng.random
        walk = self._walk
        speed = RULES.player_speed * self.dt
        distance = RULES.npc_speed * self.dt
        world = self.world
        for body in self.entities.values():
            if body.kind == SHIP:
                x, y = body.x + body.dx * speed, body.y + body.dy * speed
                if not (0.0 <= x <= world and 0.0 <= y <= world):
                    x, y = clamp(x, world), clamp(y, world)
                body.x, body.y = x, y
            else:
                walk(body, distance)
            if rng() < HP_LOSS:
                body.hp = body.hp - 1 if body.hp > 1 else RULES.player_hp
            if rng() < SCORE_GAIN:
                body.score += 1
                self.publish("score", {"name": body.name, "score": body.score})

    def status(self) -> dict[str, Any]:
        return {}


class LargeBenchArena(BenchArena):
    """The load scenario in the large arena's world, sent by interest cell (shape S4).

    Settings: ``npcs`` (300, 0-300).
    """

    name = "bench-large"
    settings_schema = SettingsSchema(Setting("npcs", LARGE.npcs, 0, LARGE.npcs))
    world = LARGE.world
    interest = GRID
