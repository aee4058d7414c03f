"""The reference game: a top-down arena.

Players steer a ship, aim and shoot. Bullets damage ships and the wandering drones; a kill
scores a point and is announced to the room for its kill feed (message ``kill``) and to the
event sinks (event ``arena.kill``); the destroyed player is told who did it and the tick their
ship comes back at (message ``destroyed``), ``respawn_delay`` later. A ship is shielded
(invulnerable, field ``shield``) for ``spawn_shield`` seconds after it (re)spawns and when a
round begins; firing drops the shield at once, so it protects newcomers and never a gunner.

The host starts the game; each round begins with a countdown of ``countdown`` seconds (every
ship back at a fresh spot, scores at zero, no firing); the first to ``score_limit`` (or the
best score when ``time_limit`` runs out) wins, and the standings show for ``round_end_pause``
seconds before the next countdown. The room's result (``room.ended``) counts every player's
kills over all rounds, and names the player who won the most rounds (then the most kills) as
the winner.

Movement is per input: each input moves its ship by one tick's worth (``shared.games.arena.move``),
from a budget that grows by one move per tick, so the browser can predict exactly and a client
sending inputs too fast gains nothing. Fire is latched per tick: a press in any input a tick
applies fires in that tick's step even when a later input releases it (a quick tap), and the
next tick starts from the latest input's state.

Phases (``status()["phase"]``): ``warmup`` until the host starts, then rounds of ``starting``
(the countdown), ``playing`` and ``ended`` (the standings); ``status()["phase_ends_tick"]`` is
the tick the phase ends at, so every client counts down alike. ``status()["colors"]`` gives
each player a colour slot, the lowest free when they joined, so no two share a colour.
"""

from __future__ import annotations

import itertools
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
    flag,
    num,
    text,
)

SHIP, DRONE, BULLET = RULES.kinds["ship"], RULES.kinds["drone"], RULES.kinds["bullet"]
MOVE_BUDGET = 8  # moves a ship may bank: inputs bunched by a stall of up to 400 ms still count
BULLETS_IN_FLIGHT = math.ceil(RULES.bullet_life / RULES.fire_cooldown)  # per ship, at most
HIT_REACH = max(RULES.player_radius, RULES.npc_radius)  # farthest a bullet hits from


class Body:
    """Synced state shared by every arena entity."""

    __slots__ = ("angle", "hp", "kind", "name", "score", "shield", "x", "y")

    def __init__(self, kind: int, x: float, y: float, hp: int, name: str = "") -> None:
        self.kind, self.x, self.y, self.hp, self.name = kind, x, y, hp, name
        self.angle = 0.0
        self.score = 0
        self.shield = False  # invulnerable (ships, for a while after spawning)


class Ship(Body):
    """A player's ship."""

    __slots__ = ("budget", "cooldown", "deaths", "dx", "dy", "fire", "pressed", "respawn_tick",
                 "shield_until")

    def __init__(self, x: float, y: float, name: str) -> None:
        super().__init__(SHIP, x, y, RULES.player_hp, name)
        self.dx = self.dy = 0.0
        self.fire = False  # the latest input's
        self.pressed = False  # fire was on in an input applied this tick (so a tap counts)
        self.budget = 1
        self.cooldown = 0.0
        self.deaths = 0  # this round
        self.respawn_tick = 0  # while destroyed: the tick the ship comes back at
        self.shield_until = 0  # shielded before this tick


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
        Setting("countdown", 3, 0, 10),  # seconds before each round
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
        flag("shield"),
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
        self.tick = 0  # the last tick stepped
        self.phase = "warmup"
        self.phase_ends_tick = 0  # 0: when the host starts (warmup), or at the next tick
        self.round_ends_tick = 0
        self.winner = ""
        self.standings: list[dict[str, Any]] = []  # of the last round, while it shows
        self.colors: dict[int, int] = {}  # player id -> colour slot, the lowest free at joining
        self.color_pairs: list[list[int]] = []  # the same as sent in the status
        self.kills: dict[int, int] = {}  # player id -> kills in every round, for the result
        self.rounds_won: dict[int, int] = {}
        for index in range(self.settings["npcs"]):
            x, y = self._random_spot()
            drone = Drone(x, y, self.rng.random() * math.tau, f"drone{index + 1}")
            self.entities[self.new_id()] = drone

    # -- hooks -------------------------------------------------------------------------------

    def start(self) -> None:
        self.phase = "starting"
        self.phase_ends_tick = 0  # the next tick begins the countdown

    def join(self, player: Player) -> None:
        x, y = self._random_spot()
        ship = Ship(x, y, player.name)
        self._shield(ship, self.tick + 1)
        self.ships[player.id] = ship
        self.entities[player.id] = ship
        taken = set(self.colors.values())
        self.colors[player.id] = next(slot for slot in itertools.count() if slot not in taken)
        self.color_pairs = [[pid, slot] for pid, slot in self.colors.items()]

    def leave(self, player: Player) -> None:
        self.ships.pop(player.id, None)
        self.entities.pop(player.id, None)
        self.colors.pop(player.id, None)
        self.color_pairs = [[pid, slot] for pid, slot in self.colors.items()]

    def disconnect(self, player: Player) -> None:
        ship = self.ships.get(player.id)
        if ship is not None:
            ship.dx = ship.dy = 0.0
            ship.fire = ship.pressed = False

    def apply(self, player: Player, values: dict[str, Any]) -> None:
        ship = self.ships.get(player.id)
        if ship is None:
            return
        ship.dx, ship.dy = values["dx"], values["dy"]
        ship.fire = values["fire"]
        ship.pressed = ship.pressed or ship.fire
        if ship.respawn_tick:
            return
        ship.angle = values["aim"]
        if ship.budget > 0 and self.phase != "ended":
            ship.budget -= 1
            ship.x, ship.y = move(ship.x, ship.y, ship.dx, ship.dy, self.dt, self.world)

    def step(self, tick: int) -> None:
        self.tick = tick
        if self.phase == "starting" and not self.phase_ends_tick:
            self._countdown(tick)
        while self.phase_ends_tick and tick >= self.phase_ends_tick:  # a 0 s countdown: twice
            self._end_phase(tick)
        if self.phase == "ended":
            return
        self._step_ships(tick)
        self._step_drones(self.dt)
        self._step_bullets(self.dt)

    def status(self) -> dict[str, Any]:
        return {"phase": self.phase, "phase_ends_tick": self.phase_ends_tick,
                "round_ends_tick": self.round_ends_tick, "winner": self.winner,
                "standings": self.standings, "colors": self.color_pairs}

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

    def _ticks(self, seconds: float) -> int:
        return round(seconds / self.dt)

    def _end_phase(self, tick: int) -> None:
        """The phase's time is up: the countdown gives way to the round, the round to its
        standings, the standings to the next countdown."""
        if self.phase == "starting":
            self._begin_round(tick)
        elif self.phase == "playing":
            self._end_round(tick)
        else:
            self._countdown(tick)

    def _countdown(self, tick: int) -> None:
        """A round's countdown: every ship back at a fresh spot with full health, shielded,
        scores at zero, no bullets; the round begins after ``countdown`` seconds."""
        self.phase = "starting"
        self.phase_ends_tick = tick + self._ticks(self.settings["countdown"])
        self.winner = ""
        self.standings = []
        for eid in [eid for eid, body in self.entities.items() if body.kind == BULLET]:
            del self.entities[eid]
        for ship in self.ships.values():
            ship.score = ship.deaths = 0
            self._respawn(ship, tick)

    def _begin_round(self, tick: int) -> None:
        self.phase = "playing"
        self.phase_ends_tick = self.round_ends_tick = (
            tick + self._ticks(self.settings["time_limit"]))
        for ship in self.ships.values():
            if not ship.respawn_tick:
                self._shield(ship, tick)

    def _end_round(self, tick: int) -> None:
        """Rank the ships (score, then fewest deaths); the top one wins if it scored."""
        ranked = sorted(self.ships.items(),
                        key=lambda item: (-item[1].score, item[1].deaths, item[0]))
        self.standings = [{"id": pid, "name": ship.name, "score": ship.score,
                           "deaths": ship.deaths} for pid, ship in ranked]
        best = ranked[0] if ranked and ranked[0][1].score > 0 else None
        self.winner = best[1].name if best else ""
        if best:
            self.rounds_won[best[0]] = self.rounds_won.get(best[0], 0) + 1
        self.phase = "ended"
        self.phase_ends_tick = tick + self._ticks(RULES.round_end_pause)

    def _shield(self, ship: Ship, tick: int) -> None:
        ship.shield_until = tick + self._ticks(RULES.spawn_shield)
        ship.shield = True

    def _respawn(self, ship: Ship, tick: int) -> None:
        ship.x, ship.y = self._random_spot()
        ship.hp = RULES.player_hp
        ship.respawn_tick = 0
        self._shield(ship, tick)

    def _step_ships(self, tick: int) -> None:
        firing = self.phase != "starting"
        for owner, ship in self.ships.items():
            ship.budget = min(ship.budget + 1, MOVE_BUDGET)
            ship.cooldown = max(0.0, ship.cooldown - self.dt)
            fired = ship.fire or ship.pressed
            ship.pressed = False
            if ship.respawn_tick:
                if tick >= ship.respawn_tick:
                    self._respawn(ship, tick)
                continue
            if firing and fired and ship.cooldown <= 0:
                ship.cooldown = RULES.fire_cooldown
                ship.shield_until = 0  # firing drops the spawn shield
                self.entities[self.new_id()] = Bullet(owner, ship.x, ship.y, ship.angle)
            ship.shield = tick < ship.shield_until

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
        """A bullet of ``shooter_id`` reached ``target``: a shield absorbs it."""
        if target.shield:
            return
        target.hp = max(0, target.hp - RULES.bullet_damage)
        if target.hp > 0:
            return
        shooter = self.ships.get(shooter_id)
        playing = self.phase == "playing"
        kill = {"killer": shooter.name if shooter else None, "killer_id": shooter_id,
                "victim": target.name, "victim_id": target_id}
        self.broadcast("kill", kill)
        self.publish("kill", kill | {"drone": not isinstance(target, Ship)})
        if isinstance(target, Ship):
            target.respawn_tick = self.tick + self._ticks(RULES.respawn_delay)
            if playing:
                target.deaths += 1
            self.send(target_id, "destroyed", {"by": kill["killer"], "by_id": shooter_id,
                                               "respawn_tick": target.respawn_tick})
        else:
            target.x, target.y = self._random_spot()
            target.hp = RULES.npc_hp
        if shooter is not None and playing:
            shooter.score += 1
            self.kills[shooter_id] = self.kills.get(shooter_id, 0) + 1
            if shooter.score >= self.settings["score_limit"]:
                self._end_round(self.tick)
