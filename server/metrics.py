"""Engine counters and the Prometheus ``/metrics`` endpoint.

The hot path only bumps plain integers in ``EngineStats`` (one event loop, no locks needed);
they are turned into Prometheus metrics when ``/metrics`` is scraped. Tick durations go to a
real histogram, observed once per room tick.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client import CollectorRegistry, Histogram, ProcessCollector, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from server.clock import ClockStats
from server.inputs import InputCounters
from server.logs import LOG_GUARD
from server.messages import MessageCounters
from server.room_stats import TickRing

TICK_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)
RECENT_TICKS = 2048  # tick durations of all rooms kept for the monitor's p50/p99


@dataclass(slots=True)
class TrafficStats:
    """Socket.IO messages and their bytes, each way; ``out`` counts every recipient."""

    messages_in: int = 0
    bytes_in: int = 0
    messages_out: int = 0
    bytes_out: int = 0
    rejected_in: int = 0
    dropped_out: int = 0
    slow_disconnects: int = 0
    errors_suppressed: int = 0
    fast_lane_messages: int = 0


@dataclass(slots=True)
class EngineStats:
    """Every counter of one server process."""

    clock: ClockStats = field(default_factory=ClockStats)
    inputs: InputCounters = field(default_factory=InputCounters)
    traffic: TrafficStats = field(default_factory=TrafficStats)
    refusals: Counter[str] = field(default_factory=Counter)  # by error code
    cuts: Counter[str] = field(default_factory=Counter)  # connections closed, by reason
    messages: MessageCounters = field(default_factory=MessageCounters)
    admin_refusals: Counter[str] = field(default_factory=Counter)  # admin API, by reason
    recent_ticks: TickRing = field(default_factory=lambda: TickRing(RECENT_TICKS))
    observe_tick: Callable[[float], None] = lambda seconds: None


@dataclass(slots=True)
class Occupancy:
    """Callables giving the current rooms, players, spectators and connections."""

    rooms: Callable[[], int]
    players: Callable[[], int]
    spectators: Callable[[], int]
    connections: Callable[[], int]


class Metrics:
    """The Prometheus view of one server: a registry, the tick histogram, the handler."""

    def __init__(self, stats: EngineStats, occupancy: Occupancy) -> None:
        self.stats = stats
        self.occupancy = occupancy
        self.registry = CollectorRegistry(auto_describe=True)
        self.tick_duration = Histogram(
            "tickwire_tick_duration_seconds", "Time spent in one room tick, broadcast included",
            buckets=TICK_BUCKETS, registry=self.registry,
        )
        self.registry.register(self)
        ProcessCollector(registry=self.registry)  # process_cpu_seconds, resident memory...
        observe, recent = self.tick_duration.observe, stats.recent_ticks.record

        def observe_tick(seconds: float) -> None:
            observe(seconds)
            recent(seconds)

        stats.observe_tick = observe_tick

    def collect(self) -> Iterator[Metric]:
        """Prometheus collector protocol: the counters and gauges as of now."""
        clock, inputs, traffic = self.stats.clock, self.stats.inputs, self.stats.traffic
        messages = self.stats.messages
        yield _counter("tickwire_ticks", "Room ticks run", clock.ticks)
        yield _counter("tickwire_ticks_late", "Room ticks that started a quarter step late",
                       clock.late)
        yield _counter("tickwire_ticks_overrun", "Room ticks that started a whole step late",
                       clock.overrun)
        yield _counter("tickwire_ticks_skipped", "Room ticks skipped after a stall", clock.skipped)
        yield _counter("tickwire_inputs_applied", "Inputs applied by games", inputs.applied)
        dropped = CounterMetricFamily("tickwire_inputs_dropped", "Inputs dropped, by reason",
                                      labels=["reason"])
        for reason in ("stale", "overflow", "invalid", "failed", "rate_limited"):
            dropped.add_metric([reason], getattr(inputs, reason))
        yield dropped
        yield _counter("tickwire_game_messages_queued",
                       "One-off game messages queued for delivery", messages.queued)
        yield _counter("tickwire_game_messages_dropped",
                       "One-off game messages dropped as invalid, too large or too many",
                       messages.dropped)
        yield _counter("tickwire_messages_in", "Socket.IO messages received", traffic.messages_in)
        yield _counter("tickwire_bytes_in", "Socket.IO payload bytes received", traffic.bytes_in)
        yield _counter("tickwire_messages_rejected", "Messages refused as oversized or malformed",
                       traffic.rejected_in)
        yield _counter("tickwire_messages_out", "Socket.IO messages sent, per recipient",
                       traffic.messages_out)
        yield _counter("tickwire_bytes_out", "Socket.IO payload bytes sent, per recipient",
                       traffic.bytes_out)
        yield _counter("tickwire_messages_dropped", "State messages skipped for slow readers",
                       traffic.dropped_out)
        yield _counter("tickwire_slow_disconnects", "Connections cut for not reading",
                       traffic.slow_disconnects)
        yield _counter("tickwire_errors_suppressed",
                       "Error events not sent because a connection had its share that second",
                       traffic.errors_suppressed)
        yield _counter("tickwire_fast_lane_messages",
                       "Inputs handled by the fast lane as their frames arrived",
                       traffic.fast_lane_messages)
        yield _labelled("tickwire_refusals", "Refused messages, requests and connections",
                        "code", self.stats.refusals)
        yield _labelled("tickwire_connections_cut", "Connections the server closed",
                        "reason", self.stats.cuts)
        yield _labelled("tickwire_admin_refusals", "Admin API requests refused: unauthorized "
                        "(wrong or missing token) or rate_limited", "reason",
                        self.stats.admin_refusals)
        yield _counter("tickwire_log_records_suppressed",
                       "Log records dropped by the per-logger rate limit",
                       LOG_GUARD.suppressed)
        yield GaugeMetricFamily("tickwire_tick_worst_lateness_seconds",
                                "Latest start of any tick after its due time",
                                value=clock.worst_lateness)
        occupancy = self.occupancy
        yield GaugeMetricFamily("tickwire_rooms", "Open rooms", value=occupancy.rooms())
        yield GaugeMetricFamily("tickwire_players", "Seated players", value=occupancy.players())
        yield GaugeMetricFamily("tickwire_spectators", "Spectators",
                                value=occupancy.spectators())
        yield GaugeMetricFamily("tickwire_connections", "Socket.IO connections",
                                value=occupancy.connections())

    async def handle(self, request: web.Request) -> web.Response:
        """``GET /metrics``."""
        return web.Response(body=generate_latest(self.registry),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})


def _counter(name: str, documentation: str, value: int) -> CounterMetricFamily:
    return CounterMetricFamily(name, documentation, value=value)


def _labelled(name: str, documentation: str, label: str, counts: Mapping[str, int]
              ) -> CounterMetricFamily:
    family = CounterMetricFamily(name, documentation, labels=[label])
    for key, value in sorted(counts.items()):
        family.add_metric([key], value)
    return family
