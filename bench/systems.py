"""The servers the benchmark can drive: how to start each one and where its counters are."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from bench.events import BROKERS
from bench.shapes import TICK_RATE, Shape


@dataclass(frozen=True, slots=True)
class System:
    """A server under test.

    :param name: what tables, results and ``--systems`` call it (also the loadgen's --system).
    :param metrics_prefix: prefix of its tick counters on ``/metrics``.
    :param command: the server's command line for a port and a shape.
    :param events: it publishes to event sinks (``bench.events``): the brokers run around the
        benchmark and its runs report event figures.
    :param loadgen: the load generator's ``--system`` for it (default: ``name``).
    """

    name: str
    metrics_prefix: str
    command: Callable[[int, Shape], list[str]]
    events: bool = False
    loadgen: str = ""


# the servers' event outboxes and match histories, removed when the benchmark exits
SCRATCH = tempfile.TemporaryDirectory(prefix="tickwire-bench-")


def _tickwire(port: int, shape: Shape) -> list[str]:
    # the server with the bench game (bench/server.py); every bench client comes from
    # 127.0.0.1: lift the per-address limits; and measure raw capacity: no room budget
    return [sys.executable, "-m", "bench.server", "--host", "127.0.0.1", "--port", str(port),
            "--tick-rate", str(TICK_RATE), "--max-connections", "5000", "--max-rooms", "1000",
            "--max-rooms-per-connection", "1000", "--joins-per-minute-per-address", "1000000",
            "--max-connections-per-address", "5000", "--max-rooms-per-address", "1000",
            "--max-load", "100000000", "--busy-cpu", "0",
            "--data-dir", os.path.join(SCRATCH.name, f"server-{port}")]


def _tickwire_events(port: int, shape: Shape) -> list[str]:
    # the same, publishing its events to Kafka and RabbitMQ (later flags win)
    return [*_tickwire(port, shape), *BROKERS.flags(port)]


def _colyseus(port: int, shape: Shape) -> list[str]:
    return ["node", "bench/colyseus/server.js", "--port", str(port), "--npcs", str(shape.npcs),
            "--room-size", str(shape.players)]


SYSTEMS = {
    "tickwire": System("tickwire", "tickwire_", _tickwire),
    "colyseus": System("colyseus", "colyseus_", _colyseus),
    "tickwire-events": System("tickwire-events", "tickwire_", _tickwire_events, events=True,
                              loadgen="tickwire"),
}
