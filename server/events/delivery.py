"""``Delivery``: the task that carries the outbox's events to one sink.

It reads the events past the sink's cursor in outbox order, sends them in batches and moves
the cursor once the sink acknowledged a batch. A batch that fails is sent again, whole, after
an exponential backoff with full jitter (``backoff_base`` doubling up to ``backoff_max``), and
nothing after it goes out before it does: every room's events reach the sink in order, at
least once. Each sink has its own task, so one that is down holds back only its own events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass, field

from server.events.outbox import Outbox, StoredEvent
from server.events.sinks import Sink

log = logging.getLogger(__name__)

SEND_TIMEOUT = 30.0  # a batch not acknowledged by then counts as failed
BACKOFF_BASE = 0.1
OUTBOX_RETRY_SECONDS = 1.0  # after the outbox itself (the disk) failed
LOG_EVERY = 60.0  # seconds between two warnings about the same failing sink
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                   30.0, 60.0)


@dataclass(slots=True)
class DeliveryStats:
    """One sink's counters (``/metrics``) and health."""

    delivered: int = 0
    retried: int = 0
    dropped: int = 0
    failing_since: float | None = None  # monotonic time of the first failure in a row
    last_error: str = ""
    latency_counts: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS) + 1))
    latency_sum: float = 0.0

    def observe_latency(self, seconds: float) -> None:
        """One event took ``seconds`` from being produced to being acknowledged."""
        index = next((i for i, bound in enumerate(LATENCY_BUCKETS) if seconds <= bound),
                     len(LATENCY_BUCKETS))
        self.latency_counts[index] += 1
        self.latency_sum += seconds


class Delivery:
    """Carries the outbox's events to ``sink`` (see the module docstring).

    :param sink: the destination.
    :param outbox: where the events and the sink's cursor are.
    :param backoff_max: longest wait, in seconds, between two attempts of a failing batch.
    """

    def __init__(self, sink: Sink, outbox: Outbox, backoff_max: float) -> None:
        self.sink = sink
        self.outbox = outbox
        self.backoff_max = backoff_max
        self.stats = DeliveryStats()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._started = False
        self._warned_at = -LOG_EVERY

    @property
    def depth(self) -> int:
        """Events in the outbox this sink has not acknowledged yet."""
        return self.outbox.depths.get(self.sink.name, 0)

    def start(self) -> None:
        """Start delivering."""
        self._task = asyncio.create_task(self._run(), name=f"deliver {self.sink.name}")

    def wake(self) -> None:
        """New events are in the outbox."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop delivering (a batch in flight is abandoned: it goes again next start) and
        close the sink."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.sink.close()

    async def idle(self) -> None:
        """Return once this sink has every event of the outbox (or failed on the next)."""
        while self.depth and self.stats.failing_since is None:
            await asyncio.sleep(0.02)

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                batch = await self.outbox.read(self.outbox.cursors[self.sink.name],
                                               self.sink.batch_size)
            except Exception:  # the disk: try again in a moment
                log.exception("reading the outbox for %s failed; retrying", self.sink.name)
                await asyncio.sleep(OUTBOX_RETRY_SECONDS)
                continue
            if not batch:
                self._wake.clear()
                if self.outbox.last_pos <= self.outbox.cursors[self.sink.name]:
                    await self._wake.wait()
                continue
            try:
                await self._send(batch)
            except Exception as error:  # any failure of the destination: retry the batch
                attempt += 1
                await self._failed(batch, error)
                await asyncio.sleep(random.uniform(0, min(self.backoff_max,
                                                          BACKOFF_BASE * 2 ** attempt)))
                continue
            attempt = 0
            self._delivered(batch)
            try:
                await self.outbox.ack(self.sink.name, batch[-1].pos, len(batch))
            except Exception:  # the batch goes again: a repeat, never a loss
                log.exception("recording delivery to %s failed", self.sink.name)
                await asyncio.sleep(OUTBOX_RETRY_SECONDS)

    def _delivered(self, batch: list[StoredEvent]) -> None:
        stats = self.stats
        stats.failing_since = None
        stats.delivered += len(batch)
        now = time.time()
        for event in batch:
            stats.observe_latency(max(0.0, now - event.time))

    async def _send(self, batch: list[StoredEvent]) -> None:
        async with asyncio.timeout(SEND_TIMEOUT):  # in this task: no task per batch
            if not self._started:
                await self.sink.start()
                self._started = True
            await self.sink.send(batch)

    async def _failed(self, batch: list[StoredEvent], error: Exception) -> None:
        """Count the failure, warn now and then, and drop the connection: the next attempt
        starts the sink afresh."""
        self._started = False
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.sink.close(), SEND_TIMEOUT)
        stats = self.stats
        stats.retried += len(batch)
        stats.last_error = f"{type(error).__name__}: {error}"[:200]
        now = time.monotonic()
        if stats.failing_since is None:
            stats.failing_since = now
        if now - self._warned_at >= LOG_EVERY:
            self._warned_at = now
            log.warning("events to %s failed (%s); retrying with backoff", self.sink.name,
                        stats.last_error)
