"""The servers the benchmark can drive: how to start each one and where its counters are."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

from bench.shapes import TICK_RATE, Shape


@dataclass(frozen=True, slots=True)
class System:
    """A server under test.

    :param name: what tables, results and ``--systems`` call it (also the loadgen's --system).
    :param metrics_prefix: prefix of its tick counters on ``/metrics``.
    :param command: the server's command line for a port and a shape.
    """

    name: str
    metrics_prefix: str
    command: Callable[[int, Shape], list[str]]


def _tickwire(port: int, shape: Shape) -> list[str]:
    # the server with the bench game (bench/server.py); every bench client comes from
    # 127.0.0.1: lift the per-address limits; and measure raw capacity: no room budget
    return [sys.executable, "-m", "bench.server", "--host", "127.0.0.1", "--port", str(port),
            "--tick-rate", str(TICK_RATE), "--max-connections", "5000", "--max-rooms", "1000",
            "--max-rooms-per-connection", "1000", "--joins-per-minute-per-address", "1000000",
            "--max-connections-per-address", "5000", "--max-rooms-per-address", "1000",
            "--max-load", "100000000", "--max-load-per-address", "100000000", "--busy-cpu", "0"]


def _colyseus(port: int, shape: Shape) -> list[str]:
    return ["node", "bench/colyseus/server.js", "--port", str(port), "--npcs", str(shape.npcs),
            "--room-size", str(shape.players)]


SYSTEMS = {
    "tickwire": System("tickwire", "tickwire_", _tickwire),
    "colyseus": System("colyseus", "colyseus_", _colyseus),
}
