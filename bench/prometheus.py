"""Reads a server's ``/metrics`` and turns two scrapes into the window's tick figures."""

from __future__ import annotations

import math
import re
import time
import urllib.request
from dataclasses import dataclass

from bench.shapes import TICK_RATE

_BUCKET = re.compile(r'_tick_duration_seconds_bucket\{le="([^"]+)"\}$')


@dataclass(frozen=True, slots=True)
class Scrape:
    """Every sample of one ``/metrics`` answer and when it was taken (monotonic seconds)."""

    at: float
    samples: dict[str, float]

    @classmethod
    def total(cls, scrapes: list[Scrape]) -> Scrape:
        """Several servers' scrapes as one, taken at their mean time: every sample summed by
        name (what the harness reads, counters, room gauges and histogram buckets, adds up)."""
        samples: dict[str, float] = {}
        for one in scrapes:
            for name, value in one.samples.items():
                samples[name] = samples.get(name, 0.0) + value
        return cls(sum(one.at for one in scrapes) / len(scrapes), samples)

    def value(self, name: str) -> float | None:
        """The sample called ``name``, or None."""
        return self.samples.get(name)

    def tick_buckets(self) -> list[tuple[float, float]]:
        """``(upper bound, cumulative count)`` of the tick duration histogram, by bound."""
        buckets = []
        for name, count in self.samples.items():
            match = _BUCKET.search(name)
            if match:
                buckets.append((float(match.group(1)), count))
        return sorted(buckets)


def scrape(url: str) -> Scrape:
    """GET ``url`` and parse its Prometheus text format."""
    with urllib.request.urlopen(url, timeout=5) as answer:
        text = answer.read().decode()
    at = time.monotonic()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return Scrape(at, samples)


def tick_figures(prefix: str, start: Scrape, end: Scrape) -> dict[str, float | int | None]:
    """Rooms, ticks held (run / due), ticks on time (started at most a quarter step late),
    ticks within their step (started before the next was due), tick duration p50/p99/max ms.

    ``max`` is the upper bound of the slowest tick's histogram bucket (None past the last
    finite bound); a server without a late-tick counter has every tick it ran on time.
    """
    seconds = end.at - start.at
    rooms = end.value(prefix + "rooms") or 0
    due = rooms * TICK_RATE * seconds

    def grown(name: str) -> float | None:
        before, after = start.value(prefix + name), end.value(prefix + name)
        return None if before is None or after is None else after - before

    ran = grown("ticks_total") or 0
    late = grown("ticks_late_total")
    overrun = grown("ticks_overrun_total")
    counts = bucket_deltas(start.tick_buckets(), end.tick_buckets())
    return {
        "rooms": int(rooms),
        "ticks_held": round(ran / due, 3) if due else None,
        "ticks_on_time": round((ran - (late or 0)) / due, 3) if due else None,
        "ticks_late": None if late is None else int(late),
        "ticks_within_step": round((ran - (overrun or 0)) / due, 3) if due else None,
        "tick_p50_ms": _ms(quantile(counts, 0.5)),
        "tick_p99_ms": _ms(quantile(counts, 0.99)),
        "tick_max_ms": _ms(_slowest(counts)),
    }


def bucket_deltas(start: list[tuple[float, float]], end: list[tuple[float, float]]
                   ) -> list[tuple[float, float]]:
    """Per-bucket (not cumulative) counts observed between the two scrapes."""
    before = dict(start)
    cumulative = [(bound, count - before.get(bound, 0)) for bound, count in end]
    previous = 0.0
    counts = []
    for bound, total in cumulative:
        counts.append((bound, total - previous))
        previous = total
    return counts


def quantile(counts: list[tuple[float, float]], q: float) -> float | None:
    """Like Prometheus' histogram_quantile: linear within the bucket holding the rank."""
    total = sum(count for _, count in counts)
    if not total:
        return None
    rank = q * total
    lower = 0.0
    seen = 0.0
    for bound, count in counts:
        if seen + count >= rank and count:
            if math.isinf(bound):
                return lower
            return lower + (bound - lower) * (rank - seen) / count
        seen += count
        lower = bound
    return lower


def _slowest(counts: list[tuple[float, float]]) -> float | None:
    filled = [bound for bound, count in counts if count > 0]
    return filled[-1] if filled and not math.isinf(filled[-1]) else None


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)
