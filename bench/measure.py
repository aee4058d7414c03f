"""One measured run: a fresh server on CPU 0, the load generator on CPU 1, one window."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import procs
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
    except (RuntimeError, OSError, ValueError) as error:
        result["error"] = f"{type(error).__name__}: {error}"
    finally:
        procs.stop(server)
    if result.get("error"):
        result["server_log"] = log_path.read_text(errors="replace").splitlines()[-LOG_LINES:]
    return result


def _drive(system: System, shape: Shape, clients: int, timing: Timing, port: int,
           server_pid: int, metrics_url: str) -> dict[str, Any]:
    """Run the loadgen and sample the server at its window markers."""
    argv = ["node", "bench/loadgen.js", "--system", system.name, "--port", str(port),
            "--clients", str(clients), "--players", str(shape.players), "--npcs", str(shape.npcs),
            "--warmup", str(timing.warmup), "--duration", str(timing.duration),
            "--max-time", str(timing.max_time(clients)), "--probes", str(shape.probes)]
    loadgen = subprocess.Popen(procs.pinned(argv, LOADGEN_CPU), cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    figures: dict[str, Any] = {}
    log: list[str] = []
    start: tuple[float, Scrape] | None = None
    try:
        assert loadgen.stdout is not None
        for line in loadgen.stdout:
            line = line.strip()
            if line == "WINDOW_START":
                start = procs.cpu_seconds(server_pid), scrape(metrics_url)
            elif line == "WINDOW_END" and start is not None:
                cpu_end, end = procs.cpu_seconds(server_pid), scrape(metrics_url)
                figures["server_cpu_pct"] = round(
                    (cpu_end - start[0]) / (end.at - start[1].at) * 100, 1)
                figures["server_rss_mb"] = round(procs.rss_mb(server_pid), 1)
                figures |= tick_figures(system.metrics_prefix, start[1], end)
            elif line.startswith("RESULT "):
                figures |= json.loads(line.removeprefix("RESULT "))
            elif line and not line.startswith("CONNECTED ") and len(log) < LOG_LINES:
                log.append(line[:200])
        loadgen.wait(30)
    finally:
        if loadgen.poll() is None:
            loadgen.kill()
            loadgen.wait(5)
    if "msgs_per_client_s" not in figures:
        figures["error"] = f"the loadgen gave no result (exit {loadgen.returncode})"
    if log:
        figures["loadgen_log"] = log
    return figures
