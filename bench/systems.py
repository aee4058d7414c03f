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

    :param name: what tables, results and ``--systems`` call it.
    :param client: the loadgen's client for it (``--system``: tickwire or colyseus).
    :param metrics_prefix: prefix of its tick counters on ``/metrics``.
    :param command: the server's command line for a port and a shape.
    :param nodes: server processes, each taking every ``nodes``-th room's clients.
    :param cluster: the nodes make one cluster that shares a private Redis (``node_command``);
        without it, each process is a server of its own (a control for the cluster's cost).
    :param events: it publishes to event sinks (``bench.events``): the brokers run around the
        benchmark and its runs report event figures.
    """

    name: str
    client: str
    metrics_prefix: str
    command: Callable[[int, Shape], list[str]]
    nodes: int = 1
    cluster: bool = False
    events: bool = False


# the servers' event outboxes and match histories, removed when the benchmark exits
SCRATCH = tempfile.TemporaryDirectory(prefix="tickwire-bench-")


def _tickwire(port: int, shape: Shape) -> list[str]:
    # the server with the bench game (bench/server.py); every bench client comes from
    # 127.0.0.1: lift the per-address limits; and measure raw capacity: no room budget
    return [sys.executable, "-m", "bench.server", "--host", "127.0.0.1", "--port", str(port),
            "--tick-rate", str(TICK_RATE), "--max-connections", "5000", "--max-rooms", "1000",
            "--max-rooms-per-connection", "1000", "--joins-per-minute-per-address", "1000000",
            "--max-connections-per-address", "5000", "--max-rooms-per-address", "1000",
            "--max-load", "100000000", "--max-load-per-address", "100000000", "--busy-cpu", "0",
            "--data-dir", os.path.join(SCRATCH.name, f"server-{port}")]


def _tickwire_events(port: int, shape: Shape) -> list[str]:
    # the same, publishing its events to Kafka and RabbitMQ
    return [*_tickwire(port, shape), *BROKERS.flags(port)]


def node_command(system: System, port: int, shape: Shape, index: int, redis_url: str
                 ) -> list[str]:
    """Node ``index`` of a cluster: the system's command, joined to the cluster of
    ``redis_url`` under the bench's key prefix, reachable at its own port."""
    return [*system.command(port, shape), "--redis-url", redis_url, "--redis-prefix", "bench:",
            "--public-url", f"http://127.0.0.1:{port}", "--node-id", f"node{index + 1}"]


def _colyseus(port: int, shape: Shape) -> list[str]:
    return ["node", "bench/colyseus/server.js", "--port", str(port), "--npcs", str(shape.npcs),
            "--room-size", str(shape.players)]


SYSTEMS = {
    "tickwire": System("tickwire", "tickwire", "tickwire_", _tickwire),
    "colyseus": System("colyseus", "colyseus", "colyseus_", _colyseus),
    "tickwire-cluster": System("tickwire-cluster", "tickwire", "tickwire_", _tickwire, nodes=2,
                               cluster=True),
    # the cluster's control: the same two processes on the same CPU, each a server of its own
    "tickwire-pair": System("tickwire-pair", "tickwire", "tickwire_", _tickwire, nodes=2),
    "tickwire-events": System("tickwire-events", "tickwire", "tickwire_", _tickwire_events,
                              events=True),
}
