"""The events benchmark: system ``tickwire-events`` is the Tickwire server with a Kafka sink
(Tansu, from ``bench.tansu``, started for the run) and a RabbitMQ sink (the local broker on
127.0.0.1:5672, guest/guest), to compare with plain ``tickwire`` on the same shape.

``BROKERS`` starts and stops the brokers around a benchmark that runs the system;
``event_figures`` turns two ``/metrics`` scrapes into events per second and each sink's
delivery latency p50/p99 (production to acknowledgement, from the server's histogram).
"""

from __future__ import annotations

import re
import socket
import tempfile
from pathlib import Path
from typing import Any

from bench.prometheus import Scrape, bucket_deltas, quantile
from bench.tansu import Tansu

TOPIC = "tickwire-bench"
EXCHANGE = "tickwire-bench"
RABBITMQ = ("127.0.0.1", 5672)
LATENCY_BUCKET = "tickwire_events_delivery_seconds_bucket"
_LABEL = re.compile(r'(\w+)="([^"]*)"')
SINK_LABELS = {"kafka": "kafka", "amqp": "rabbitmq"}  # scheme -> figure prefix


class EventBrokers:
    """Kafka (Tansu) and RabbitMQ for ``tickwire-events`` runs."""

    def __init__(self) -> None:
        self.scratch: tempfile.TemporaryDirectory[str] | None = None
        self.tansu: Tansu | None = None

    def start(self) -> None:
        """Start Tansu and check that RabbitMQ answers."""
        try:
            socket.create_connection(RABBITMQ, timeout=2).close()
        except OSError as error:
            raise SystemExit(f"tickwire-events needs RabbitMQ on {RABBITMQ[0]}:{RABBITMQ[1]} "
                             f"({error})") from None
        self.scratch = tempfile.TemporaryDirectory(prefix="tickwire-bench-")
        self.tansu = Tansu(Path(self.scratch.name))
        self.tansu.start(TOPIC)

    def stop(self) -> None:
        """Stop Tansu, remove the scratch directory."""
        if self.tansu is not None:
            self.tansu.kill()
            self.tansu = None
        if self.scratch is not None:
            self.scratch.cleanup()
            self.scratch = None

    def flags(self, port: int) -> list[str]:
        """The server flags of a run on ``port``: both sinks."""
        if self.tansu is None or self.scratch is None:
            raise RuntimeError("the event brokers are not started")
        return ["--events", f"kafka://{self.tansu.address}/{TOPIC}?idempotent=false",
                "--events", f"amqp://guest:guest@{RABBITMQ[0]}:{RABBITMQ[1]}/{EXCHANGE}"]


BROKERS = EventBrokers()


def event_figures(start: Scrape, end: Scrape) -> dict[str, Any]:
    """Events produced per second in the window, and per sink (``kafka``, ``rabbitmq``) the
    delivery latency p50/p99 in ms and the events still waiting at the end."""
    seconds = end.at - start.at
    produced = [scrape.value("tickwire_events_produced_total") for scrape in (start, end)]
    if produced[0] is None or produced[1] is None or seconds <= 0:
        return {}
    figures: dict[str, Any] = {"events_per_s": round((produced[1] - produced[0]) / seconds, 1)}
    for sink, label in _sinks(end).items():
        counts = bucket_deltas(_latency_buckets(start, sink), _latency_buckets(end, sink))
        for name, q in (("p50", 0.5), ("p99", 0.99)):
            value = quantile(counts, q)
            figures[f"{label}_{name}_ms"] = None if value is None else round(value * 1000, 2)
        figures[f"{label}_depth"] = end.value(f'tickwire_events_outbox_depth{{sink="{sink}"}}')
    return figures


def _sinks(scrape: Scrape) -> dict[str, str]:
    """The Kafka and RabbitMQ sinks on ``/metrics``: sink name -> figure prefix."""
    names = {}
    for labels, _ in _latency_samples(scrape):
        scheme = labels["sink"].split("://")[0]
        if scheme in SINK_LABELS:
            names[labels["sink"]] = SINK_LABELS[scheme]
    return names


def _latency_buckets(scrape: Scrape, sink: str) -> list[tuple[float, float]]:
    return sorted((float(labels["le"]), count) for labels, count in _latency_samples(scrape)
                  if labels["sink"] == sink)


def _latency_samples(scrape: Scrape) -> list[tuple[dict[str, str], float]]:
    return [(dict(_LABEL.findall(sample)), count) for sample, count in scrape.samples.items()
            if sample.startswith(LATENCY_BUCKET + "{")]
