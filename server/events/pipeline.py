"""``EventPipeline``: from the in-memory ``EventLog`` through the outbox to every sink.

A writer task drains the log in batches (what arrived within ``WRITE_LINGER``, 0.1 s, of the
first event, like a Kafka producer's linger): it builds each event's CloudEvents envelope and
stores the batch in the SQLite outbox (both in the outbox's thread, off the event loop),
counts the events as produced, wakes every sink's ``Delivery`` and hands the stored events to
live subscribers (the SSE stream). The pipeline also emits this node's ``node.up`` and
``node.down``, and reports per-sink counters (``collect``, for ``/metrics``) and health
(``sinks_health``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from server.events import model
from server.events.delivery import LATENCY_BUCKETS, Delivery
from server.events.model import EventLog, EventRecord, envelope
from server.events.outbox import NewEvent, Outbox, StoredEvent
from server.events.sinks import Sink
from shared.protocol import VERSION

log = logging.getLogger(__name__)

WRITE_BATCH = 500  # events per outbox transaction at most
WRITE_LINGER = 0.1  # seconds the writer waits after an event for others to store with it
WRITE_RETRY_SECONDS = 1.0

Subscriber = Callable[[list[StoredEvent]], None]


class EventPipeline:
    """The event path of one server process (see the module docstring).

    :param events: the log producers append to.
    :param outbox: the durable outbox (not opened yet).
    :param sinks: every destination, the match history's included.
    :param backoff_max: longest wait between two attempts of a failing sink, in seconds.
    :param degraded_after: seconds of failure after which a sink makes ``/healthz`` degraded.
    :param url: where clients reach this node (``node.up`` carries it).
    """

    def __init__(self, events: EventLog, outbox: Outbox, sinks: list[Sink],
                 backoff_max: float = 30.0, degraded_after: float = 60.0, url: str = "") -> None:
        self.events = events
        self.outbox = outbox
        self.deliveries = [Delivery(sink, outbox, backoff_max) for sink in sinks]
        self.degraded_after = degraded_after
        self.url = url
        self.produced = 0
        self.subscribers: set[Subscriber] = set()
        self._writer: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Open the outbox, announce ``node.up`` and start writing and delivering (events left
        undelivered by an earlier run go first)."""
        await self.outbox.open()
        self.events.emit(model.NODE_UP, self.events.node, {
            "node": self.events.node, "url": self.url, "protocol": VERSION})
        self._writer = asyncio.create_task(self._write_loop(), name="event writer")
        for delivery in self.deliveries:
            delivery.start()

    async def stop(self, drain_seconds: float = 2.0) -> None:
        """Announce ``node.down``, store every queued event, give the sinks up to
        ``drain_seconds`` to take what is pending, then stop; what they did not take stays in
        the outbox for the next start."""
        self.events.emit(model.NODE_DOWN, self.events.node, {
            "node": self.events.node, "reason": "shutdown"})
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        while self.events.queue:
            await self._write(self.events.take(WRITE_BATCH))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(drain_seconds):
                await asyncio.gather(*(d.idle() for d in self.deliveries))
        for delivery in self.deliveries:
            await delivery.stop()
        await self.outbox.close()

    def subscribe(self, subscriber: Subscriber) -> None:
        """Hand every batch of newly stored events to ``subscriber`` (must not block)."""
        self.subscribers.add(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Stop handing events to ``subscriber``."""
        self.subscribers.discard(subscriber)

    def sinks_health(self) -> dict[str, dict[str, Any]]:
        """Per sink: ``ok`` (False once it failed for ``degraded_after`` seconds in a row),
        ``failing_for`` seconds, outbox ``depth`` and its ``last_error``."""
        now = time.monotonic()
        health = {}
        for delivery in self.deliveries:
            stats = delivery.stats
            failing = now - stats.failing_since if stats.failing_since is not None else 0.0
            health[delivery.sink.name] = {
                "ok": failing < self.degraded_after, "failing_for": round(failing, 1),
                "depth": delivery.depth,
                "last_error": stats.last_error if stats.failing_since is not None else ""}
        return health

    @property
    def healthy(self) -> bool:
        """False while a sink has failed for ``degraded_after`` seconds in a row."""
        return all(sink["ok"] for sink in self.sinks_health().values())

    # -- writing -----------------------------------------------------------------------------

    async def _write_loop(self) -> None:
        while True:
            await self.events.wait()
            await asyncio.sleep(WRITE_LINGER)  # one transaction and one send per sink for all
            records = self.events.take(WRITE_BATCH)
            try:
                await self._write(records)
            except Exception:  # the disk: keep the events in memory and try again
                log.exception("writing %d events to the outbox failed; retrying", len(records))
                self.events.queue.extendleft(reversed(records))
                await asyncio.sleep(WRITE_RETRY_SECONDS)

    async def _write(self, records: list[EventRecord]) -> None:
        if not records:
            return
        stored, dropped = await self.outbox.append(records, _stored_form)
        self.produced += len(stored)
        for delivery in self.deliveries:
            delivery.stats.dropped += dropped.get(delivery.sink.name, 0)
            delivery.wake()
        if dropped:
            log.warning("outbox full (%d events): dropped the oldest non-result events",
                        self.outbox.max_events)
        for subscriber in list(self.subscribers):
            subscriber(stored)

    # -- metrics -----------------------------------------------------------------------------

    def collect(self) -> Iterator[Metric]:
        """Prometheus collector protocol: the event counters as of now."""
        yield CounterMetricFamily("tickwire_events_produced",
                                  "Events stored in the outbox", value=self.produced)
        yield CounterMetricFamily("tickwire_events_queue_dropped",
                                  "Events dropped before the outbox (memory queue full)",
                                  value=self.events.dropped)
        families = {
            "delivered": CounterMetricFamily("tickwire_events_delivered",
                                             "Events a sink acknowledged", labels=["sink"]),
            "retried": CounterMetricFamily("tickwire_events_retried",
                                           "Events sent again after a failed batch",
                                           labels=["sink"]),
            "dropped": CounterMetricFamily("tickwire_events_dropped",
                                           "Events dropped from the full outbox before this "
                                           "sink had them", labels=["sink"]),
        }
        depth = GaugeMetricFamily("tickwire_events_outbox_depth",
                                  "Events in the outbox not yet acknowledged by a sink",
                                  labels=["sink"])
        failing = GaugeMetricFamily("tickwire_events_sink_failing_seconds",
                                    "How long a sink has been failing (0: it is not)",
                                    labels=["sink"])
        latency = HistogramMetricFamily(
            "tickwire_events_delivery_seconds",
            "From an event's production to its acknowledgement by a sink", labels=["sink"])
        health = self.sinks_health()
        for delivery in self.deliveries:
            name, stats = delivery.sink.name, delivery.stats
            for key, family in families.items():
                family.add_metric([name], getattr(stats, key))
            depth.add_metric([name], delivery.depth)
            failing.add_metric([name], health[name]["failing_for"])
            cumulative, buckets = 0, []
            for bound, count in zip((*LATENCY_BUCKETS, float("inf")), stats.latency_counts,
                                    strict=True):
                cumulative += count
                buckets.append((str(bound) if bound != float("inf") else "+Inf", cumulative))
            latency.add_metric([name], buckets, stats.latency_sum)
        yield from families.values()
        yield depth
        yield failing
        yield latency


def _stored_form(record: EventRecord) -> NewEvent:
    return NewEvent(record.id, record.type, record.subject, record.public, record.result,
                    record.time, envelope(record))
