"""The benchmark's load shapes (as the anchors define them) and when a level counts as held."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TICK_RATE = 20
S3_LEVELS = (400, 600, 800, 1000, 1200, 1500, 2000, 2500)
S3_PROBES = 20  # S3 clients that decode states; the rest only count frames

# a level is held when all of these hold (name, test, what failing it means)
HELD_RULES: tuple[tuple[str, Any, str], ...] = (
    ("ticks_on_time", lambda v: v >= 0.99, "ticks on time < 99%"),
    ("msgs_per_client_s_min", lambda v: v >= 19.4, "a client got < 19.4 states/s"),
    ("lat_p95_ms", lambda v: v < 150, "latency p95 >= 150 ms"),
    ("server_cpu_pct", lambda v: v < 95, "server CPU >= 95%"),
    ("loadgen_cpu_pct", lambda v: v < 90, "loadgen CPU >= 90% (the instrument may be the limit)"),
)


@dataclass(frozen=True, slots=True)
class Shape:
    """A load shape: how many clients, in rooms of ``players`` players and ``npcs`` NPCs.

    :param name: S1, S2, S2C, S2E, S3 or S4.
    :param clients: total clients (S3 grows it level by level instead).
    :param players: players per room.
    :param npcs: NPCs per room.
    :param probes: clients that decode states (0 = all; S3's light mode uses a few).
    :param systems: the systems this shape compares, whatever ``--systems`` says; the first
        is the shape's own (top level of its summary), the second its reference, any others
        further references. Empty: the systems asked for, Tickwire against Colyseus.
    :param game: the game the clients quick-join (``bench/game.py``).
    :param versus: another shape whose figures per client this one's are compared with, when
        both ran.
    """

    name: str
    clients: int
    players: int
    npcs: int
    probes: int = 0
    systems: tuple[str, ...] = ()
    game: str = "bench"
    versus: str = ""


SHAPES = {
    "S1": Shape("S1", 16, 16, 32),
    "S2": Shape("S2", 200, 8, 16),
    # S2's load on a cluster of two nodes and a Redis, against one process and against two
    # processes that are no cluster (what splitting the load costs by itself) in the same run
    "S2C": Shape("S2C", 200, 8, 16, systems=("tickwire-cluster", "tickwire", "tickwire-pair")),
    # S2's load with the Kafka and RabbitMQ event sinks on, against no sink in the same run
    "S2E": Shape("S2E", 200, 8, 16, systems=("tickwire-events", "tickwire")),
    "S3": Shape("S3", S3_LEVELS[0], 8, 16, probes=S3_PROBES),
    # one large-arena room with interest management, per client against S2 (issue 13)
    "S4": Shape("S4", 64, 64, 300, systems=("tickwire",), game="bench-large", versus="S2"),
}


def misses(result: dict[str, Any]) -> list[str]:
    """Why a run does not count as held; empty when it does."""
    if result.get("error"):
        return [result["error"]]
    reasons = [why for key, ok, why in HELD_RULES
               if result.get(key) is None or not ok(result[key])]
    if result.get("clients") != result.get("wanted") or result.get("disconnects"):
        reasons.append("not every client stayed connected")
    return reasons
