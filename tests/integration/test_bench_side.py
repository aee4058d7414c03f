"""``python -m bench.side`` on real processes: the same checkout against itself, both servers
under S2's or S4's load over one shared window."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]


@pytest.mark.usefixtures("bench_node_modules")
@pytest.mark.parametrize("shape", ["S2", "S4"])
def test_two_servers_are_measured_over_the_same_window(shape):
    run = subprocess.run(
        [sys.executable, "-m", "bench.side", "--shape", shape, "--reps", "2", "--window", "2",
         "--clients", "16", f"a={REPO}", f"b={REPO}"],
        cwd=REPO, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.strip().splitlines()
    assert lines[0].startswith("rep 1/2: a ") and lines[1].startswith("rep 2/2: a ")
    result = json.loads(lines[-1])
    assert len(result["cpu_pct"]["a"]) == len(result["cpu_pct"]["b"]) == 2
    assert all(cpu > 0 for side in result["cpu_pct"].values() for cpu in side)
    assert result["ratios"] == [round(b / a, 3) for a, b in
                                zip(result["cpu_pct"]["a"], result["cpu_pct"]["b"], strict=True)]
    assert result["median_ratio"] > 0


@pytest.mark.usefixtures("bench_node_modules")
def test_a_side_with_sinks_publishes_to_kafka_and_rabbitmq_in_the_window():
    run = subprocess.run(
        [sys.executable, "-m", "bench.side", "--reps", "1", "--window", "4", "--clients", "16",
         f"plain={REPO}", f"sinks={REPO}+events"],
        cwd=REPO, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert list(result["events"]) == ["sinks"]  # the plain side has no sinks
    [figures] = result["events"]["sinks"]
    assert figures["events_per_s"] > 0
    assert figures["kafka_p50_ms"] is not None and figures["rabbitmq_p50_ms"] is not None
