"""This node's numbers for the monitor, sampled every ``SAMPLE_SECONDS`` with five minutes of
history for the sparklines.

A sample is cheap (a dozen counters, one sort of the last ``RECENT_TICKS`` tick durations) and
runs as a plain event-loop timer, never inside a tick. In a cluster the latest report (numbers,
history and the node's rooms) is what ``NodeRegistry`` writes to the node's stats key with its
heartbeat.
"""

from __future__ import annotations

import asyncio
import os
import resource
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from server.metrics import EngineStats, Occupancy

SAMPLE_SECONDS = 2.0
HISTORY_SECONDS = 300.0
SERIES = ("cpu", "rss", "connections", "rooms", "players", "bytes_in", "bytes_out",
          "tick_p50_ms", "tick_p99_ms", "late_ticks")  # what the sparklines show


def rss_bytes() -> int:
    """This process's resident memory now (Linux), else its peak."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class NodeSampler:
    """Samples this node (see the module docstring).

    :param node_id: this node's id.
    :param stats: the process's counters.
    :param occupancy: rooms, players, spectators, connections now.
    :param describe: more fields of the report (public URL, draining, healthy...).
    :param every: seconds between samples; default ``SAMPLE_SECONDS``.
    """

    def __init__(self, node_id: str, stats: EngineStats, occupancy: Occupancy,
                 describe: Callable[[], dict[str, Any]] = dict,
                 every: float = SAMPLE_SECONDS) -> None:
        self.node_id = node_id
        self.stats = stats
        self.occupancy = occupancy
        self.describe = describe
        self.every = every
        self.started = time.time()
        self.history: dict[str, deque[float]] = {
            name: deque(maxlen=int(HISTORY_SECONDS / every)) for name in SERIES}
        self.latest: dict[str, float] = {}
        self._previous = self._counters()
        self._handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Sample now and every ``every`` seconds on the running loop."""
        self._run()

    def _run(self) -> None:
        self.sample()
        self._handle = asyncio.get_running_loop().call_later(self.every, self._run)

    def stop(self) -> None:
        """Stop sampling."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def sample(self) -> None:
        """Take one sample."""
        counters = self._counters()
        (wall_0, cpu_0, in_0, out_0, late_0), self._previous = self._previous, counters
        wall_1, cpu_1, in_1, out_1, late_1 = counters
        elapsed = max(wall_1 - wall_0, 1e-3)
        recent = self.stats.recent_ticks
        occupancy = self.occupancy
        self.latest = {
            "cpu": round((cpu_1 - cpu_0) / elapsed, 3),
            "rss": rss_bytes(),
            "connections": occupancy.connections(),
            "rooms": occupancy.rooms(),
            "players": occupancy.players(),
            "spectators": occupancy.spectators(),
            "bytes_in": round((in_1 - in_0) / elapsed),
            "bytes_out": round((out_1 - out_0) / elapsed),
            "tick_p50_ms": round(recent.percentile(0.5) * 1000, 3),
            "tick_p99_ms": round(recent.percentile(0.99) * 1000, 3),
            "late_ticks": round((late_1 - late_0) / elapsed, 2),
            "late_ticks_total": late_1,
        }
        for name in SERIES:
            self.history[name].append(self.latest[name])

    def report(self) -> dict[str, Any]:
        """The node as the monitor shows it: numbers, sparkline history, description."""
        return {"id": self.node_id, "started": self.started, **self.describe(),
                "now": self.latest, "history_step": self.every,
                "history": {name: list(values) for name, values in self.history.items()}}

    def _counters(self) -> tuple[float, float, int, int, int]:
        traffic = self.stats.traffic
        return (time.monotonic(), time.process_time(), traffic.bytes_in, traffic.bytes_out,
                self.stats.clock.late)
