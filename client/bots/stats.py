"""Counters the bots share, the live progress line and the final summary."""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field

from shared.wire import TickwirePacket


class CountingPacket(TickwirePacket):
    """A packet class that adds the size of every packet it decodes to ``received_bytes``."""

    received_bytes = 0

    def decode(self, encoded_packet: bytes) -> None:
        """Count, then decode."""
        CountingPacket.received_bytes += len(encoded_packet)
        super().decode(encoded_packet)


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` quantile (nearest rank) of ``values``; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


@dataclass
class BotStats:
    """What every bot adds to while the run lasts."""

    wanted: int
    connected: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # bots that could not play, by why
    lost_sync: int = 0
    inputs: int = 0
    states: int = 0
    resyncs: int = 0
    round_trips: list[float] = field(default_factory=list)
    input_latencies: list[float] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    elapsed: float = 0.0
    _last: tuple[float, int, int, int] = (0.0, 0, 0, 0)

    def progress(self) -> str:
        """One line of rates since the previous call."""
        now = time.monotonic()
        last_time, last_inputs, last_states, last_bytes = self._last
        span = max(1e-9, now - last_time) if last_time else max(1e-9, now - self.started)
        received = CountingPacket.received_bytes
        self._last = (now, self.inputs, self.states, received)
        recent = self.round_trips[-500:]
        return (
            f"[{now - self.started:5.1f}s] bots {self.connected}/{self.wanted}"
            f" | inputs/s {(self.inputs - last_inputs) / span:7.0f}"
            f" | states/s {(self.states - last_states) / span:7.0f}"
            f" | bytes/s {(received - last_bytes) / span:9.0f}"
            f" | rtt p50 {percentile(recent, 0.5) * 1000:6.1f} ms"
            f" p99 {percentile(recent, 0.99) * 1000:6.1f} ms"
        )

    def summary(self) -> str:
        """The closing line."""
        duration = max(self.elapsed, 1e-9)
        received = CountingPacket.received_bytes
        reasons = ", ".join(f"{code} {count}" for code, count in self.failures.most_common())
        failed = f"{self.failures.total()} failed" + (f" ({reasons})" if reasons else "")
        return (
            f"summary: bots {self.connected}/{self.wanted} connected, {failed},"
            f" {self.lost_sync} lost sync, {self.resyncs} resyncs | {duration:.1f}s"
            f" | inputs {self.inputs} ({self.inputs / duration:.0f}/s)"
            f" | states {self.states} ({self.states / duration:.0f}/s)"
            f" | bytes {received} ({received / duration:.0f}/s,"
            f" {received / max(1, self.connected) / duration:.0f}/bot/s)"
            f" | rtt p50 {percentile(self.round_trips, 0.5) * 1000:.1f} ms"
            f" p99 {percentile(self.round_trips, 0.99) * 1000:.1f} ms"
            f" | input->ack p50 {percentile(self.input_latencies, 0.5) * 1000:.1f} ms"
            f" p99 {percentile(self.input_latencies, 0.99) * 1000:.1f} ms"
        )
