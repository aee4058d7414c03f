"""The reference game: a top-down arena.

Players steer a ship, aim and shoot. Bullets damage ships and the wandering drones; a kill
scores a point and is announced to the room for its kill feed (message ``kill``) and to the
event sinks (event ``arena.kill``). The host starts a round; the first to ``score_limit`` (or
the best score when ``time_limit`` runs out) wins, and a new round starts after a short pause.
The room's result (``room.ended``) counts every player's kills over all rounds, and names the
player who won the most rounds (then the most kills) as the winner.

Movement is per input: each input moves its ship by one tick's worth (``shared.games.arena.move``),
from a budget that grows by one move per tick, so the browser can predict exactly and a client
sending inputs too fast gains nothing.

Phases (``status()["phase"]``): ``warmup`` until the host starts, ``starting`` from the start
until the next tick begins the round, ``playing``, and ``ended`` for a short pause before the
next round.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

from server.games.base import Game, GameResult, Player
from server.games.targets import Targets
from shared.games.arena import RULES, clamp, move, snap
from shared.schema import (
    EntitySchema,
    InputField,
    InputSchema,
    Setting,
    SettingsSchema,
    angle,
    num,
    text,
)

SHIP, DRONE, BULLET = RULES.kinds["ship"], RULES.kinds["drone"], RULES.kinds["bullet"]
MOVE_BUDGET = 3  # moves a ship may bank, to absorb input jitter
BULLETS_IN_FLIGHT = math.ceil(RULES.bullet_life / RULES.fire_cooldown)  # per ship, at most
HIT_REACH = max(RULES.player_radius, RULES.npc_radius)  # farthest a bullet hits from


class Body:
    """Synced state shared by every arena entity."""

    __slots__ = ("angle", "hp", "kind", "name", "score", "x", "y")

    def __init__(self, kind: int, x: float, y: float, hp: int, name: str = "") -> None:
        self.kind, self.x, self.y, self.hp, self.name = kind, x, y, hp, name
        self.angle = 0.0
        self.score = 0


class Ship(Body):
    """A player's ship."""

    __slots__ = ("budget", "cooldown", "dx", "dy", "fire", "respawn_in")

    def __init__(self, x: float, y: float, name: str) -> None:
        super().__init__(SHIP, x, y, RULES.player_hp, name)
        self.dx = self.dy = 0.0
        self.fire = False
        self.budget = 1
        self.cooldown = 0.0
        self.respawn_in = 0.0


class Drone(Body):
    """A wandering target."""

    __slots__ = ("heading",)

    def __init__(self, x: float, y: float, heading: float, name: str) -> None:
        super().__init__(DRONE, x, y, RULES.npc_hp, name)
        self.heading = heading


class Bullet(Body):
    """A shot in flight."""

    __slots__ = ("life", "owner", "vx", "vy")

    def __init__(self, owner: int, x: float, y: float, aim: float) -> None:
        super().__init__(BULLET, x, y, 1)
        self.owner = owner
        self.angle = aim
        self.vx = math.cos(aim) * RULES.bullet_speed
        self.vy = math.sin(aim) * RULES.bullet_speed
        self.life = RULES.bullet_life


def arena_settings(npcs: int, max_npcs: int) -> SettingsSchema:
    """The arena's settings, with ``npcs`` drones by default and at most ``max_npcs``."""
    return SettingsSchema(
        Setting("npcs", npcs, 0, max_npcs),
        Setting("score_limit", 10, 1, 100),
        Setting("time_limit", 300, 30, 3600),
    )


class Arena(Game):
    """Top-down arena shooter; see the module docstring."""

    name = "arena"
    entity_schema = EntitySchema(
        num("x", RULES.position_step),
        num("y", RULES.position_step),
        angle("angle"),
        num("hp"),
        num("score"),
        num("kind"),
        text("name", 16),
    )
    input_schema = InputSchema(
        InputField("dx", "num", -1.0, 1.0),
        InputField("dy", "num", -1.0, 1.0),
        InputField("aim", "num", -7.0, 7.0),
        InputField("fire", "bool"),
    )
    settings_schema = arena_settings(npcs=6, max_npcs=64)
    world: ClassVar[float] = RULES.world  # side of the square world

    @classmethod
    def max_entities(cls, settings: Mapping[str, Any], max_players: int) -> int:
        """Ships, the drones, and the bullets every ship can have in flight at once."""
        return max_players * (1 + BULLETS_IN_FLIGHT) + settings["npcs"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ships: dict[int, Ship] = {}
        self.phase = "warmup"
        self.round_ends_tick = 0
        self.pause_left = 0.0
        self.winner = ""
        self.kills: dict[int, int] = {}  # player id -> kills in every round, for the result
        self.rounds_won: dict[int, int] = {}
        for index in range(self.settings["npcs"]):
            x, y = self._random_spot()
            drone = Drone(x, y, self.rng.random() * math.tau, f"drone{index + 1}")
            self.entities[self.new_id()] = drone

    # -- hooks -------------------------------------------------------------------------------

    def start(self) -> None:
        self.phase = "starting"

    def join(self, player: Player) -> None:
        x, y = self._random_spot()
        ship = Ship(x, y, player.name)
        self.ships[player.id] = ship
        self.entities[player.id] = ship

    def leave(self, player: Player) -> None:
        self.ships.pop(player.id, None)
        self.entities.pop(player.id, None)

    def disconnect(self, player: Player) -> None:
        ship = self.ships.get(player.id)
        if ship is not None:
            ship.dx = ship.dy = 0.0
            ship.fire = False

    def apply(self, player: Player, values: dict[str, Any]) -> None:
        ship = self.ships.get(player.id)
        if ship is None:
            return
        ship.dx, ship.dy = values["dx"], values["dy"]
        ship.fire = values["fire"]
        if ship.respawn_in > 0:
            return
        ship.angle = values["aim"]
        if ship.budget > 0 and self.phase != "ended":
            ship.budget -= 1
            ship.x, ship.y = move(ship.x, ship.y, ship.dx, ship.dy, self.dt, self.world)

    def step(self, tick: int) -> None:
        dt = self.dt
        if self.phase == "starting":
            self._new_round(tick)
        if self.phase == "ended":
            self.pause_left -= dt
            if self.pause_left <= 0:
                self._new_round(tick)
            return
        self._step_ships(dt)
        self._step_drones(dt)
        self._step_bullets(dt)
        if self.phase == "playing" and tick >= self.round_ends_tick:
            self._end_round()

    def status(self) -> dict[str, Any]:
        return {"phase": self.phase, "round_ends_tick": self.round_ends_tick,
                "winner": self.winner}

    def result(self) -> GameResult:
        """Kills over all rounds; the winner won the most rounds, then has the most kills."""
        ranked = sorted(self.kills.keys() | self.rounds_won.keys(),
                        key=lambda pid: (self.rounds_won.get(pid, 0), self.kills.get(pid, 0)),
                        reverse=True)
        return GameResult(scores={pid: self.kills.get(pid, 0) for pid in ranked},
                          winner=ranked[0] if ranked else None)

    # -- rules -------------------------------------------------------------------------------

    def _random_spot(self) -> tuple[float, float]:
        margin = RULES.player_radius * 2
        span = self.world - 2 * margin
        return snap(margin + self.rng.random() * span), snap(margin + self.rng.random() * span)

    def _new_round(self, tick: int) -> None:
        self.phase = "playing"
        self.winner = ""
        self.round_ends_tick = tick + round(self.settings["time_limit"] / self.dt)
        for eid in [eid for eid, body in self.entities.items() if body.kind == BULLET]:
            del self.entities[eid]
        for ship in self.ships.values():
            ship.score = 0
            self._respawn(ship)

    def _end_round(self) -> None:
        best_id = max(self.ships, key=lambda pid: self.ships[pid].score, default=None)
        self.winner = self.ships[best_id].name if best_id is not None else ""
        if best_id is not None:
            self.rounds_won[best_id] = self.rounds_won.get(best_id, 0) + 1
        self.phase = "ended"
        self.pause_left = RULES.round_end_pause

    def _respawn(self, ship: Ship) -> None:
        ship.x, ship.y = self._random_spot()
        ship.hp = RULES.player_hp
        ship.respawn_in = 0.0

    def _step_ships(self, dt: float) -> None:
        for owner, ship in self.ships.items():
            ship.budget = min(ship.budget + 1, MOVE_BUDGET)
            ship.cooldown = max(0.0, ship.cooldown - dt)
            if ship.respawn_in > 0:
                ship.respawn_in -= dt
                if ship.respawn_in <= 0:
                    self._respawn(ship)
                continue
            if ship.fire and ship.cooldown <= 0:
                ship.cooldown = RULES.fire_cooldown
                self.entities[self.new_id()] = Bullet(owner, ship.x, ship.y, ship.angle)

    def _walk(self, drone: Drone, distance: float) -> None:
        """Random walk: turn a little, step ``distance``, bounce off the walls."""
        heading = drone.heading + self.rng.random() - 0.5
        x = drone.x + math.cos(heading) * distance
        y = drone.y + math.sin(heading) * distance
        world = self.world
        if not (0.0 <= x <= world and 0.0 <= y <= world):
            heading += math.pi
            x, y = clamp(x, world), clamp(y, world)
        drone.heading, drone.x, drone.y = heading, x, y

    def _step_drones(self, dt: float) -> None:
        distance = RULES.npc_speed * dt
        for body in self.entities.values():
            if body.kind == DRONE:
                self._walk(body, distance)

    def _step_bullets(self, dt: float) -> None:
        targets = Targets([(eid, body) for eid, body in self.entities.items()
                           if body.kind != BULLET and body.hp > 0], HIT_REACH)
        spent = []
        for eid, bullet in self.entities.items():
            if bullet.kind != BULLET:
                continue
            bullet.x += bullet.vx * dt
            bullet.y += bullet.vy * dt
            bullet.life -= dt
            if bullet.life <= 0 or not (0 <= bullet.x <= self.world and
                                        0 <= bullet.y <= self.world):
                spent.append(eid)
                continue
            for target_id, target in targets.near(bullet.x, bullet.y):
                radius = RULES.player_radius if target.kind == SHIP else RULES.npc_radius
                if target_id != bullet.owner and target.hp > 0 and (
                    (target.x - bullet.x) ** 2 + (target.y - bullet.y) ** 2 <= radius * radius
                ):
                    self._hit(bullet.owner, target_id, target)
                    spent.append(eid)
                    break
        for eid in spent:
            del self.entities[eid]

    def _hit(self, shooter_id: int, target_id: int, target: Body) -> None:
        target.hp = max(0, target.hp - RULES.bullet_damage)
        if target.hp > 0:
            return
        shooter = self.ships.get(shooter_id)
        kill = {"killer": shooter.name if shooter else None, "killer_id": shooter_id,
                "victim": target.name, "victim_id": target_id}
        self.broadcast("kill", kill)
        self.publish("kill", kill | {"drone": not isinstance(target, Ship)})
        if shooter is not None and self.phase == "playing":
            shooter.score += 1
            self.kills[shooter_id] = self.kills.get(shooter_id, 0) + 1
            if shooter.score >= self.settings["score_limit"]:
                self._end_round()
        if isinstance(target, Ship):
            target.respawn_in = RULES.respawn_delay
        else:
            target.x, target.y = self._random_spot()
            target.hp = RULES.npc_hp
