"""One measured run: fresh servers on CPU 0 (one, or a cluster's nodes and its Redis), the
load generator on CPU 1, one window."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from bench import procs, redis_probe
from bench.events import event_figures
from bench.prometheus import Scrape, scrape, tick_figures
from bench.redis_probe import RedisSample
from bench.servers import ROOT, Servers
from bench.shapes import Shape
from bench.systems import System

RESULTS = ROOT / "bench" / "results"
SERVER_CPU, LOADGEN_CPU = 0, 1
LOG_LINES = 20  # server log lines and unexpected loadgen lines kept with a failed run


@dataclass(frozen=True, slots=True)
class Timing:
    """Seconds of warmup (after every client connected) and of the measured window."""

    warmup: float
    duration: float

    def max_time(self, clients: int) -> int:
        """The loadgen's hard limit: the window plus generous connect and teardown time."""
        return int(self.warmup + self.duration + 30 + clients * 0.05)


def run_one(system: System, shape: Shape, clients: int, timing: Timing, logs: Path = RESULTS
            ) -> dict[str, Any]:
    """Start ``system``, load it with ``clients`` clients of ``shape``, return the figures.
    The servers' output goes to files in ``logs`` (``bench/results`` by default)."""
    result: dict[str, Any] = {"system": system.name, "shape": shape.name, "wanted": clients}
    logs.mkdir(parents=True, exist_ok=True)
    servers = Servers(system, shape, SERVER_CPU, logs)
    try:
        servers.start()
        result |= _drive(servers, shape, clients, timing)
    except (RuntimeError, OSError, ValueError, redis.RedisError) as error:
        result["error"] = f"{type(error).__name__}: {error}"
    finally:
        servers.stop()
    if result.get("error"):
        result["server_log"] = servers.log_tail(LOG_LINES)
    return result


@dataclass(frozen=True, slots=True)
class Sample:
    """The servers' counters (summed) and CPU time, how busy both CPUs were, and what the
    cluster's Redis had done, at one moment."""

    metrics: Scrape
    server_cpu: float
    busy: tuple[float, float]  # seconds CPU 0 and CPU 1 spent on anything
    redis: RedisSample | None

    @classmethod
    def take(cls, servers: Servers) -> Sample:
        return cls(Scrape.total([scrape(url) for url in servers.metrics_urls]),
                   sum(procs.cpu_seconds(pid) for pid in servers.pids),
                   (procs.cpu_busy_seconds(SERVER_CPU), procs.cpu_busy_seconds(LOADGEN_CPU)),
                   None if servers.redis is None else servers.redis.sample())


def _window(servers: Servers, start: Sample, end: Sample) -> dict[str, Any]:
    seconds = end.metrics.at - start.metrics.at

    def pct(before: float, after: float) -> float:
        return round((after - before) / seconds * 100, 1)

    figures: dict[str, Any] = {
        "server_cpu_pct": pct(start.server_cpu, end.server_cpu),
        "server_rss_mb": round(sum(procs.rss_mb(pid) for pid in servers.pids), 1),
        "cpu_busy_pct": [pct(a, b) for a, b in zip(start.busy, end.busy, strict=True)],
        **tick_figures(servers.system.metrics_prefix, start.metrics, end.metrics),
    }
    if servers.system.events:
        figures |= event_figures(start.metrics, end.metrics)
    if start.redis is not None and end.redis is not None:
        figures |= redis_probe.window_figures(start.redis, end.redis, figures["rooms"])
    return figures


def _per_client(figures: dict[str, Any]) -> dict[str, Any]:
    """Server CPU ms per client per second; the other load on both CPUs (busy time the
    servers, their Redis and the loadgen did not use: noise)."""
    busy = figures.pop("cpu_busy_pct", None)
    if busy is None or figures.get("loadgen_cpu_pct") is None or not figures.get("clients"):
        return {}
    server_side = figures["server_cpu_pct"] + figures.get("redis_cpu_pct", 0.0)
    return {"server_cpu_ms_per_client_s": round(figures["server_cpu_pct"] * 10
                                                / figures["clients"], 3),
            "other_load_cpu0_pct": round(max(0.0, busy[0] - server_side), 1),
            "other_load_cpu1_pct": round(max(0.0, busy[1] - figures["loadgen_cpu_pct"]), 1)}


def _drive(servers: Servers, shape: Shape, clients: int, timing: Timing) -> dict[str, Any]:
    """Run the loadgen (its clients spread over the servers' ports: round-robin over a
    cluster's nodes, a room's clients together over separate servers) and sample the servers
    before it starts and at its window markers."""
    argv = ["node", "bench/loadgen.js", "--system", servers.system.client,
            "--port", ",".join(map(str, servers.ports)), "--clients", str(clients),
            "--players", str(shape.players), "--npcs", str(shape.npcs), "--game", shape.game,
            "--warmup", str(timing.warmup), "--duration", str(timing.duration),
            "--max-time", str(timing.max_time(clients)), "--probes", str(shape.probes),
            "--by-room", "0" if servers.system.cluster else "1"]
    before = None if servers.redis is None else servers.redis.sample()
    loadgen = subprocess.Popen(procs.pinned(argv, LOADGEN_CPU), cwd=ROOT, text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    figures: dict[str, Any] = {}
    log: list[str] = []
    start: Sample | None = None
    end: Sample | None = None
    try:
        assert loadgen.stdin is not None and loadgen.stdout is not None
        for line in loadgen.stdout:
            line = line.strip()
            if line == "WINDOW_START":
                start = Sample.take(servers)
            elif line == "WINDOW_END" and start is not None:
                end = Sample.take(servers)
                figures |= _window(servers, start, end)
                loadgen.stdin.write("read\n")  # the clients may leave now
                loadgen.stdin.flush()
            elif line.startswith("RESULT "):
                result = json.loads(line.removeprefix("RESULT "))
                result.pop("system")  # the loadgen's client, not the system under test
                figures |= result
            elif line and not line.startswith("CONNECTED ") and len(log) < LOG_LINES:
                log.append(line[:200])
        loadgen.wait(30)
    finally:
        if loadgen.poll() is None:
            loadgen.kill()
            loadgen.wait(5)
    figures |= _per_client(figures)
    if before is not None and start is not None and end is not None:
        assert start.redis is not None and end.redis is not None
        figures |= redis_probe.join_figures(before, start.redis, end.redis,
                                            figures.get("clients", 0))
    if "msgs_per_client_s" not in figures:
        figures["error"] = f"the loadgen gave no result (exit {loadgen.returncode})"
    elif not figures.get("clients"):
        figures["error"] = f"no client could connect ({figures.get('connect_errors')} errors)"
    if log:
        figures["loadgen_log"] = log
    return figures
