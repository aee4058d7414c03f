"""The cluster's private Redis: started for one run, and what it did between two moments
(``INFO commandstats``: calls per command, scripts' inner commands included; ``INFO cpu``)."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from bench import procs

OWN_COMMANDS = frozenset({"info"})  # what the harness itself sends once connected
START_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class RedisSample:
    """Calls so far by command, Redis's CPU seconds so far, and when (monotonic seconds)."""

    at: float
    calls: dict[str, int]
    cpu: float

    @classmethod
    def parse(cls, info: dict[str, Any], at: float) -> RedisSample:
        """From redis-py's parsed ``INFO cpu commandstats`` (``cmdstat_<name>: {calls, ...}``)."""
        calls = {key.removeprefix("cmdstat_"): int(stats["calls"])
                 for key, stats in info.items() if key.startswith("cmdstat_")}
        return cls(at, calls, float(info["used_cpu_user"]) + float(info["used_cpu_sys"]))


def command_deltas(start: RedisSample, end: RedisSample) -> dict[str, int]:
    """Calls per command between the samples, most called first, without the harness's own
    (its ``INFO``) and without commands that were not called."""
    grown = {name: calls - start.calls.get(name, 0) for name, calls in end.calls.items()
             if name not in OWN_COMMANDS}
    return dict(sorted(((name, calls) for name, calls in grown.items() if calls > 0),
                       key=lambda item: (-item[1], item[0])))


def window_figures(start: RedisSample, end: RedisSample, rooms: int) -> dict[str, Any]:
    """Redis commands per second (in all, per room, by command) and Redis's CPU % over the
    measured window."""
    seconds = end.at - start.at
    calls = command_deltas(start, end)
    per_second = sum(calls.values()) / seconds
    return {
        "redis_commands_per_s": round(per_second, 1),
        "redis_commands_per_room_s": round(per_second / rooms, 3) if rooms else None,
        "redis_cpu_pct": round((end.cpu - start.cpu) / seconds * 100, 2),
        "redis_commands": {name: round(count / seconds, 2) for name, count in calls.items()},
    }


def join_figures(before: RedisSample, start: RedisSample, end: RedisSample, joins: int
                 ) -> dict[str, Any]:
    """Redis commands (in all and by command) and Redis CPU µs per join: what Redis did from
    ``before`` the clients connected until the window ``start``, less what the window
    (``start`` to ``end``, no joins) shows it does anyway over as long."""
    if not joins:
        return {}
    seconds = start.at - before.at
    window = end.at - start.at
    steady = command_deltas(start, end)
    calls = {name: count - steady.get(name, 0) / window * seconds
             for name, count in command_deltas(before, start).items()}
    cpu = (start.cpu - before.cpu) - (end.cpu - start.cpu) / window * seconds
    return {"redis_commands_per_join": round(sum(calls.values()) / joins, 1),
            "redis_cpu_us_per_join": round(cpu * 1e6 / joins),
            "redis_join_commands": {name: round(count / joins, 2) for name, count in
                                    sorted(calls.items(), key=lambda item: -item[1])}}


class PrivateRedis:
    """A redis-server of the run's own on a free port, nothing kept on disk, pinned to ``cpu``.

    :param log: where its output goes.
    :param cpu: the CPU it runs on (see ``procs.pinned``).
    """

    def __init__(self, log: Path, cpu: int) -> None:
        self.port = procs.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no"]
        with log.open("wb") as out:
            self.process = subprocess.Popen(procs.pinned(argv, cpu), stdout=out,
                                            stderr=subprocess.STDOUT)
        self.client = redis.Redis(port=self.port, socket_timeout=5)
        self._wait_until_serving()

    def _wait_until_serving(self) -> None:
        # the harness's one connection is made here, so later samples only add INFO calls
        deadline = time.monotonic() + START_SECONDS
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with code {self.process.returncode}")
            try:
                self.client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"redis-server did not answer within {START_SECONDS} s") from None
                time.sleep(0.05)

    def sample(self) -> RedisSample:
        """Calls by command and CPU seconds so far."""
        info = self.client.execute_command("INFO", "cpu", "commandstats")
        return RedisSample.parse(info, time.monotonic())

    def stop(self) -> None:
        """Close the harness's connection and stop the server."""
        self.client.close()
        procs.stop(self.process)
