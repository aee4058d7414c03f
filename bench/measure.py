"""One measured run: a fresh server on CPU 0, the load generator on CPU 1, one window."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import procs
from bench.events import event_figures
from bench.prometheus import Scrape, scrape, tick_figures
from bench.shapes import Shape
from bench.systems import System

ROOT = Path(__file__).resolve().parent.parent
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


def run_one(system: System, shape: Shape, clients: int, timing: Timing) -> dict[str, Any]:
    """Start ``system``, load it with ``clients`` clients of ``shape``, return the figures."""
    result: dict[str, Any] = {"system": system.name, "shape": shape.name, "wanted": clients}
    port = procs.free_port()
    RESULTS.mkdir(parents=True, exist_ok=True)
    log_path = RESULTS / f"{system.name}-server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(procs.pinned(system.command(port, shape), SERVER_CPU),
                                  cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    metrics_url = f"http://127.0.0.1:{port}/metrics"
    try:
        procs.wait_until_serving(metrics_url, server)
        result |= _drive(system, shape, clients, timing, port, server.pid, metrics_url)
        result["system"] = system.name  # the loadgen reports the protocol it spoke
    except (RuntimeError, OSError, ValueError) as error:
        result["error"] = f"{type(error).__name__}: {error}"
    finally:
        procs.stop(server)
    if result.get("error"):
        result["server_log"] = log_path.read_text(errors="replace").splitlines()[-LOG_LINES:]
    return result


@dataclass(frozen=True, slots=True)
class Sample:
    """The server's counters and CPU time, and how busy both CPUs were, at one moment."""

    metrics: Scrape
    server_cpu: float
    busy: tuple[float, float]  # seconds CPU 0 and CPU 1 spent on anything

    @classmethod
    def take(cls, server_pid: int, metrics_url: str) -> Sample:
        return cls(scrape(metrics_url), procs.cpu_seconds(server_pid),
                   (procs.cpu_busy_seconds(SERVER_CPU), procs.cpu_busy_seconds(LOADGEN_CPU)))


def _window(system: System, start: Sample, end: Sample, server_pid: int) -> dict[str, Any]:
    seconds = end.metrics.at - start.metrics.at

    def pct(before: float, after: float) -> float:
        return round((after - before) / seconds * 100, 1)

    return {
        "server_cpu_pct": pct(start.server_cpu, end.server_cpu),
        "server_rss_mb": round(procs.rss_mb(server_pid), 1),
        "cpu_busy_pct": [pct(a, b) for a, b in zip(start.busy, end.busy, strict=True)],
        **tick_figures(system.metrics_prefix, start.metrics, end.metrics),
        **(event_figures(start.metrics, end.metrics) if system.events else {}),
    }


def _other_load(figures: dict[str, Any]) -> dict[str, float]:
    """CPU % of the server's and of the loadgen's CPU that neither of them used: noise."""
    busy = figures.pop("cpu_busy_pct", None)
    if busy is None or figures.get("loadgen_cpu_pct") is None:
        return {}
    return {"other_load_cpu0_pct": round(max(0.0, busy[0] - figures["server_cpu_pct"]), 1),
            "other_load_cpu1_pct": round(max(0.0, busy[1] - figures["loadgen_cpu_pct"]), 1)}


def _drive(system: System, shape: Shape, clients: int, timing: Timing, port: int,
           server_pid: int, metrics_url: str) -> dict[str, Any]:
    """Run the loadgen and sample the server at its window markers."""
    argv = ["node", "bench/loadgen.js", "--system", system.loadgen or system.name,
            "--port", str(port),
            "--clients", str(clients), "--players", str(shape.players), "--npcs", str(shape.npcs),
            "--warmup", str(timing.warmup), "--duration", str(timing.duration),
            "--max-time", str(timing.max_time(clients)), "--probes", str(shape.probes)]
    loadgen = subprocess.Popen(procs.pinned(argv, LOADGEN_CPU), cwd=ROOT, text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    figures: dict[str, Any] = {}
    log: list[str] = []
    start: Sample | None = None
    try:
        assert loadgen.stdin is not None and loadgen.stdout is not None
        for line in loadgen.stdout:
            line = line.strip()
            if line == "WINDOW_START":
                start = Sample.take(server_pid, metrics_url)
            elif line == "WINDOW_END" and start is not None:
                end = Sample.take(server_pid, metrics_url)
                figures |= _window(system, start, end, server_pid)
                loadgen.stdin.write("read\n")  # the clients may leave now
                loadgen.stdin.flush()
            elif line.startswith("RESULT "):
                figures |= json.loads(line.removeprefix("RESULT "))
            elif line and not line.startswith("CONNECTED ") and len(log) < LOG_LINES:
                log.append(line[:200])
        loadgen.wait(30)
    finally:
        if loadgen.poll() is None:
            loadgen.kill()
            loadgen.wait(5)
    figures |= _other_load(figures)
    if "msgs_per_client_s" not in figures:
        figures["error"] = f"the loadgen gave no result (exit {loadgen.returncode})"
    elif not figures.get("clients"):
        figures["error"] = f"no client could connect ({figures.get('connect_errors')} errors)"
    if log:
        figures["loadgen_log"] = log
    return figures
