"""One soak run: the server, the worker processes, sampling, progress lines and the summary."""

from __future__ import annotations

import contextlib
import json
import math
import multiprocessing
import os
import queue
import time
from dataclasses import dataclass, field
from typing import Any

from bench.prometheus import Scrape, scrape
from bench.soak import report
from bench.soak.server import SoakServer
from bench.soak.workers import FINISH_SECONDS, WorkerPlan, work

BOTS_PER_PROCESS = 100
POLL_SECONDS = 0.25


@dataclass(frozen=True, slots=True)
class SoakPlan:
    """Everything a run needs (see ``python -m bench.soak --help`` for each)."""

    duration: float
    bots: int
    bot_addresses: int
    hostile: int
    bystander_rooms: int
    seed: int
    seat_grace: float
    churn_seconds: float
    late_ms: float
    sample_every: float
    report_every: float
    attacks: tuple[str, ...]
    thresholds: report.Thresholds
    url: str = ""
    pid: int = 0
    server_flags: list[str] = field(default_factory=list)
    server_cpu: int = -1


class Collector:
    """The latest snapshot of every worker, their final ones, and worker errors."""

    def __init__(self, channel: multiprocessing.Queue[Any]) -> None:
        self.channel = channel
        self.latest: dict[tuple[str, int], dict[str, Any]] = {}
        self.finished: set[tuple[str, int]] = set()
        self.errors: list[str] = []

    def drain(self) -> None:
        """Take everything the workers sent so far."""
        with contextlib.suppress(queue.Empty):
            while True:
                role, index, kind, data = self.channel.get_nowait()
                if kind == "error":
                    self.errors.append(f"{role} worker {index} failed: {data}")
                    continue
                self.latest[(role, index)] = data
                if kind == "final":
                    self.finished.add((role, index))

    def role(self, role: str) -> dict[str, Any]:
        """The snapshots of every process of ``role``, added up."""
        return report.merge([data for (name, _), data in self.latest.items() if name == role])


def plans(plan: SoakPlan, url: str, until: float) -> list[WorkerPlan]:
    """The worker processes: bystanders, bots (at most ``BOTS_PER_PROCESS`` each), hostile."""
    workers = [WorkerPlan("bystanders", 0, url, until, plan.seed, {
        "rooms": plan.bystander_rooms, "late_ms": plan.late_ms})]
    processes = math.ceil(plan.bots / BOTS_PER_PROCESS)
    first = 0
    for index in range(processes):
        share = plan.bots // processes + (index < plan.bots % processes)
        workers.append(WorkerPlan("bots", index, url, until, plan.seed * 1000 + index, {
            "bots": share, "first": first, "addresses": plan.bot_addresses,
            "churn_seconds": plan.churn_seconds, "seat_grace": plan.seat_grace}))
        first += share
    if plan.hostile:
        workers.append(WorkerPlan("hostile", 0, url, until, plan.seed, {
            "slots": plan.hostile, "attacks": plan.attacks}))
    return workers


def soak(plan: SoakPlan) -> dict[str, Any]:
    """Run the soak as planned; print progress; return the summary."""
    server = (SoakServer.attach(plan.url, plan.pid) if plan.url
              else SoakServer.start(plan.seat_grace, plan.server_flags))
    if plan.server_cpu >= 0 and server.process is not None:
        # the server on a core of its own, as if the load ran on machines of their own
        server.pin(plan.server_cpu)
        os.sched_setaffinity(0, os.sched_getaffinity(0) - {plan.server_cpu})  # workers too
    context = multiprocessing.get_context("spawn")
    channel: multiprocessing.Queue[Any] = context.Queue()
    stop, seated = context.Event(), context.Event()
    collector = Collector(channel)
    began = time.monotonic()
    until = began + plan.duration
    planned = plans(plan, server.url, until)
    workers = [context.Process(target=work, args=(worker, channel, stop, seated), daemon=True)
               for worker in planned]
    samples: list[tuple[float, float]] = []
    metrics_before = _scrape(server.url)
    interrupted = False
    try:
        for process in workers:
            process.start()
        interrupted = _watch(plan, server, collector, samples, began, until)
        _sample(server, samples, began)
        watched = time.monotonic() - began
        stop.set()
        finish_by = time.monotonic() + FINISH_SECONDS + 15
        while len(collector.finished) < len(workers) and time.monotonic() < finish_by:
            collector.drain()
            time.sleep(POLL_SECONDS)
        metrics_after = _scrape(server.url)
    except KeyboardInterrupt:
        interrupted, metrics_after = True, None
        watched = time.monotonic() - began
    finally:
        stop.set()
        for process in workers:
            process.join(5)
            if process.is_alive():
                process.kill()
        collector.drain()
        died = not server.alive()
        server.stop()
    if died and server.output is not None:
        print("the server's last lines:", *server.output.tail, sep="\n", flush=True)
    collector.errors += [f"{worker.role} worker {worker.index} ended without a report"
                         for worker in planned
                         if (worker.role, worker.index) not in collector.finished]
    return _summary(plan, server, collector, samples, watched,
                    (metrics_before, metrics_after), died, interrupted)


def _watch(plan: SoakPlan, server: SoakServer, collector: Collector,
           samples: list[tuple[float, float]], began: float, until: float) -> bool:
    """Sample and print progress until the run's end; True if it was cut short (Ctrl-C, or
    the server died)."""
    next_sample, next_report = began, began + plan.report_every
    try:
        while (now := time.monotonic()) < until:
            collector.drain()
            if not server.alive():
                print("the server is gone: finishing", flush=True)
                return True
            if now >= next_sample:
                _sample(server, samples, began)
                next_sample += plan.sample_every
            if now >= next_report:
                print(_progress(collector, samples, now - began), flush=True)
                next_report += plan.report_every
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        print("interrupted: finishing", flush=True)
        return True
    return False


def _sample(server: SoakServer, samples: list[tuple[float, float]], began: float) -> None:
    rss = server.rss_mb()
    if rss is not None:
        samples.append((time.monotonic() - began, rss))


def _scrape(url: str) -> Scrape | None:
    try:
        return scrape(f"{url}/metrics")
    except OSError:
        return None


def _progress(collector: Collector, samples: list[tuple[float, float]], elapsed: float) -> str:
    bots = collector.role("bots")
    bystanders = collector.role("bystanders")
    on_time = report.on_time_pct(bystanders)
    hostile = report.hostile_figures(collector.role("hostile"))
    results = {result: sum(kind[result] for kind in hostile["by_kind"].values())
               for result in ("cut", "refused", "survived")}
    rss = f"{samples[-1][1]:.1f} MB" if samples else "n/a"
    return (f"[{elapsed:6.0f} s] bots {bots.get('connected', 0)}/{bots.get('bots', 0)} connected"
            f" | bystander ticks on time "
            + ("n/a" if on_time is None else f"{on_time:.2f}%")
            + f" ({bystanders.get('on_time', 0)}/{bystanders.get('slots', 0)})"
            f" | RSS {rss} | hostile {hostile['started']} started: {results['cut']} cut,"
            f" {results['refused']} refused, {results['survived']} survived"
            f" | seats lost {bots.get('seats_lost', 0)}")


def _summary(plan: SoakPlan, server: SoakServer, collector: Collector,
             samples: list[tuple[float, float]], elapsed: float,
             metrics: tuple[Scrape | None, Scrape | None], died: bool, interrupted: bool
             ) -> dict[str, Any]:
    bystanders = collector.role("bystanders")
    bots = collector.role("bots")
    lateness = {int(ms): count for ms, count in bystanders.get("lateness_ms", {}).items()}
    errors = list(collector.errors)
    if died:
        errors.append("the server process ended during the run")
    elif interrupted:
        errors.append(f"interrupted after {elapsed:.0f} of {plan.duration:.0f} s")
    summary: dict[str, Any] = {
        "duration_s": round(elapsed, 1),
        "seed": plan.seed,
        "ticks_on_time_pct": report.on_time_pct(bystanders),
        "bystanders": {**{k: v for k, v in bystanders.items() if k != "lateness_ms"},
                       "lateness_ms": {"p50": report.histogram_quantile(lateness, 0.5),
                                       "p99": report.histogram_quantile(lateness, 0.99),
                                       "max": max(lateness, default=None)}},
        "rss_mb": report.rss_figures(samples, elapsed),
        "seats_lost": bots.get("seats_lost", 0),
        "lost_seats": bots.get("lost", []),
        "bots": {k: v for k, v in bots.items() if k not in ("lost", "seats_lost")},
        "hostile": report.hostile_figures(collector.role("hostile")),
        "server": _server_figures(server, metrics),
        "errors": errors,
    }
    summary["failures"] = report.failures(summary, plan.thresholds)
    summary["ok"] = not summary["failures"]
    return summary


def _server_figures(server: SoakServer, metrics: tuple[Scrape | None, Scrape | None]
                    ) -> dict[str, Any]:
    figures: dict[str, Any] = {"pid": server.pid, "started_by_soak": server.process is not None,
                               "cpu": server.cpu}
    before, after = metrics
    if before is not None and after is not None:
        for name in ("ticks", "ticks_late", "ticks_skipped", "slow_disconnects"):
            key = f"tickwire_{name}_total"
            if after.value(key) is not None:
                figures[name] = int(after.value(key) - (before.value(key) or 0))
    if server.output is not None:
        figures["log_bytes"] = server.output.bytes
        figures["log_lines"] = server.output.lines
    return figures


def print_summary(summary: dict[str, Any]) -> None:
    """The closing report, then the JSON line (always the last line of stdout)."""
    print(report.render(summary), flush=True)
    print(json.dumps(summary, separators=(",", ":")), flush=True)
