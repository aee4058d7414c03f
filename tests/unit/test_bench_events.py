"""The events benchmark's figures from two ``/metrics`` scrapes, and its table and target."""

from __future__ import annotations

from bench import report
from bench.events import event_figures
from bench.prometheus import Scrape

KAFKA = "kafka://127.0.0.1:9092/tickwire-bench?idempotent=false"
AMQP = "amqp://guest@127.0.0.1:5672/tickwire-bench"


def scrape(at: float, produced: float, latencies: dict[str, list[tuple[str, float]]]
           ) -> Scrape:
    samples = {"tickwire_events_produced_total": produced}
    for sink, buckets in latencies.items():
        for bound, count in buckets:
            samples[f'tickwire_events_delivery_seconds_bucket{{sink="{sink}",le="{bound}"}}'] = (
                count)
        samples[f'tickwire_events_outbox_depth{{sink="{sink}"}}'] = 0.0
    return Scrape(at, samples)


def test_events_per_second_and_latency_quantiles_come_from_the_window():
    start = scrape(0.0, 100, {KAFKA: [("0.005", 10), ("0.01", 10), ("+Inf", 10)],
                              AMQP: [("0.005", 0), ("0.01", 0), ("+Inf", 0)]})
    end = scrape(10.0, 340, {KAFKA: [("0.005", 110), ("0.01", 210), ("+Inf", 210)],
                             AMQP: [("0.005", 0), ("0.01", 200), ("+Inf", 200)]})
    figures = event_figures(start, end)
    assert figures["events_per_s"] == 24.0
    assert figures["kafka_p50_ms"] == 5.0  # 100 of 200 within 5 ms
    assert figures["kafka_p99_ms"] == 9.9
    assert figures["rabbitmq_p50_ms"] == 7.5
    assert figures["kafka_depth"] == 0.0


def test_the_summary_compares_cpu_with_and_without_sinks():
    runs = [{"system": "tickwire", "shape": "S2E", "server_cpu_pct": 25.0},
            {"system": "tickwire-events", "shape": "S2E", "server_cpu_pct": 26.0,
             "events_per_s": 24.0, "kafka_p50_ms": 5.0, "kafka_p99_ms": 9.9,
             "rabbitmq_p50_ms": 7.5, "rabbitmq_p99_ms": 9.95}]
    summary = report.summarize(runs)
    assert summary["S2E"]["cpu_ratio_vs_no_sinks"] == 1.04
    table = report.events_table(summary)
    assert "| S2E | 25.0 / 26.0 | 1.04 | 24.0 | 5.00 / 9.90 | 7.50 / 9.95 |" in table
    target = "server CPU with Kafka + RabbitMQ sinks <= 1.05 x without (issue 11)"
    assert f"| {target} | S2E | 1.04 | yes |" in report.targets(summary)
