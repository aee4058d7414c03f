"""The processes under test of one run: one server, or a cluster's nodes and their Redis."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench import procs
from bench.redis_probe import PrivateRedis
from bench.shapes import Shape
from bench.systems import System, node_command

ROOT = Path(__file__).resolve().parent.parent


class Servers:
    """``system.nodes`` servers of ``system`` for ``shape``, every process on CPU ``cpu``; a
    cluster also gets a private Redis, on the same CPU.

    :param system: what to start.
    :param shape: the load shape (some servers take it on their command line).
    :param cpu: the CPU the servers and the Redis run on (see ``procs.pinned``).
    :param logs: the folder their output goes to (``<system>-server.log``, or
        ``<system>-node<i>.log`` and, for a cluster, ``<system>-redis.log``).
    """

    def __init__(self, system: System, shape: Shape, cpu: int, logs: Path) -> None:
        self.system = system
        self.shape = shape
        self.cpu = cpu
        self.ports = [procs.free_port() for _ in range(system.nodes)]
        self.processes: list[subprocess.Popen[bytes]] = []
        self.redis: PrivateRedis | None = None
        self.several = system.nodes > 1
        names = [f"node{index + 1}" for index in range(system.nodes)] if self.several else [
            "server"]
        self.logs = [logs / f"{system.name}-{name}.log" for name in names]
        self.redis_log = logs / f"{system.name}-redis.log"

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    @property
    def metrics_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}/metrics" for port in self.ports]

    def start(self) -> None:
        """Start the Redis (for a cluster) and every server; return once each answers
        ``/metrics`` (RuntimeError if one exits or does not answer in time)."""
        if self.system.cluster:
            self.redis = PrivateRedis(self.redis_log, self.cpu)
        for index, (port, log_path) in enumerate(zip(self.ports, self.logs, strict=True)):
            argv = (self.system.command(port, self.shape) if self.redis is None else
                    node_command(self.system, port, self.shape, index, self.redis.url))
            with log_path.open("wb") as log:
                self.processes.append(subprocess.Popen(
                    procs.pinned(argv, self.cpu), cwd=ROOT,
                    stdout=log, stderr=subprocess.STDOUT))
        for url, process in zip(self.metrics_urls, self.processes, strict=True):
            procs.wait_until_serving(url, process)

    def stop(self) -> None:
        """Stop every server, then the Redis."""
        for process in self.processes:
            procs.stop(process)
        if self.redis is not None:
            self.redis.stop()

    def log_tail(self, lines: int) -> list[str]:
        """The last ``lines`` lines of each server's output (named by node in a cluster)."""
        tail = []
        for path in self.logs:
            if path.exists():
                last = path.read_text(errors="replace").splitlines()[-lines:]
                tail += [f"{path.stem}: {line}" for line in last] if self.several else last
        return tail
