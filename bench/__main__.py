"""``python -m bench``: measure Tickwire (and Colyseus beside it) on the anchors' shapes.

S1, S2 and S2C run every system once per rep, rep-major (all shapes and systems, then again),
so machine drift hits every system alike; tables give medians. S2C compares S2's load on a
two-node cluster with one process. S3 grows the client count level by level
until a level is not held. Progress goes to stderr; stdout gets a table per shape and, as its
last line, one JSON object keyed by shape. Results go to bench/results/latest.json and a chart
to bench/results/chart.png.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import chart, report
from bench.events import BROKERS
from bench.measure import RESULTS, ROOT, Timing, run_one
from bench.shapes import S3_LEVELS, SHAPES, misses
from bench.systems import SYSTEMS, System

QUICK = {"warmup": 2.0, "duration": 5.0, "reps": 1}
FULL = {"warmup": 4.0, "duration": 15.0, "reps": 3}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--shapes", default="S1,S2,S2C,S3",
                        help="comma-separated (S1,S2,S2C,S2E,S3,S4); S2E needs RabbitMQ; "
                        "S4 (the large arena) is compared per client with S2 when both run")
    parser.add_argument("--systems", default="tickwire,colyseus",
                        help="systems for S1 and S2 (S2C runs tickwire-cluster, tickwire and "
                             "tickwire-pair)")
    parser.add_argument("--s3-systems", default="tickwire", help="systems for S3")
    parser.add_argument("--levels", default=",".join(map(str, S3_LEVELS)),
                        help="S3 client counts, in order")
    parser.add_argument("--reps", type=int, help="runs per system for S1/S2/S2C (3; quick: 1)")
    parser.add_argument("--warmup", type=float, help="seconds after connecting (4; quick: 2)")
    parser.add_argument("--duration", type=float, help="measured seconds (15; quick: 5)")
    parser.add_argument("--quick", action="store_true", help="short windows and one rep")
    parser.add_argument("--out", default=str(RESULTS / "latest.json"))
    parser.add_argument("--chart", default=str(RESULTS / "chart.png"))
    args = parser.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def _names(text: str, known: dict[str, Any]) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(f"unknown: {', '.join(unknown)} (known: {', '.join(known)})")
    return names


def _progress(run: dict[str, Any], label: str) -> None:
    if run.get("error"):
        line = f"ERROR {run['error']}"
    else:
        line = (f"{run.get('bytes_per_client_s')} B/client/s, CPU {run.get('server_cpu_pct')}%, "
                f"ticks {run.get('ticks_on_time')}, states {run.get('msgs_per_client_s_min')}/s, "
                f"p50/p95 {run.get('lat_p50_ms')}/{run.get('lat_p95_ms')} ms, "
                f"loadgen {run.get('loadgen_cpu_pct')}%, other load on CPU0/1 "
                f"{run.get('other_load_cpu0_pct')}/{run.get('other_load_cpu1_pct')}%")
        if run.get("redis_commands_per_s") is not None:
            line += (f", Redis {run['redis_commands_per_s']} commands/s "
                     f"({run.get('redis_commands_per_room_s')}/room), "
                     f"{run.get('redis_commands_per_join')}/join, redirects {run.get('redirects')}")
    print(f"[{label}] {run['system']} {run['wanted']} clients: {line}", file=sys.stderr,
          flush=True)


def measure(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every run the arguments ask for, in the order described in the module docstring."""
    timing = Timing(args.warmup, args.duration)
    shapes = _names(args.shapes, SHAPES)
    runs = []
    for rep in range(args.reps):
        for shape in (SHAPES[name] for name in shapes if name != "S3"):
            for system in shape.systems or _names(args.systems, SYSTEMS):
                run = run_one(SYSTEMS[system], shape, shape.clients, timing) | {"rep": rep + 1}
                _progress(run, f"{shape.name} rep {rep + 1}/{args.reps}")
                runs.append(run)
    if "S3" in shapes:
        for system in _names(args.s3_systems, SYSTEMS):
            for clients in (int(level) for level in args.levels.split(",")):
                tries = _s3_level(SYSTEMS[system], clients, timing)
                runs += tries
                if misses(tries[-1]):
                    break
    return runs


def _s3_level(system: System, clients: int, timing: Timing) -> list[dict[str, Any]]:
    """One S3 level. A level not held gets a second try: on a shared machine, one disturbed
    run should not end the sweep (both tries are reported)."""
    tries: list[dict[str, Any]] = []
    for attempt in (1, 2):
        run = run_one(system, SHAPES["S3"], clients, timing) | {"attempt": attempt}
        _progress(run, f"S3 try {attempt}")
        tries.append(run)
        if not misses(run):
            break
    return tries


def _version(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, cwd=ROOT,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def environment(args: argparse.Namespace) -> dict[str, Any]:
    """What a reader needs to reproduce the numbers."""
    commit = _version(["git", "rev-parse", "--short", "HEAD"])
    if _version(["git", "status", "--porcelain", "--", "server", "shared", "bench/game.py",
                 "bench/server.py"]):
        commit += " + uncommitted changes in server/, shared/ or the bench game"
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": "python -m bench " + " ".join(sys.argv[1:]),
        "commit": commit,
        "python": platform.python_version(), "node": _version(["node", "--version"]),
        "cpus": os.cpu_count(), "pinned": shutil.which("taskset") is not None,
        "warmup_s": args.warmup, "window_s": args.duration, "reps": args.reps,
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if not (ROOT / "bench" / "node_modules").is_dir():
        raise SystemExit("bench/node_modules is missing: run `make bench` (it installs it)")
    shapes = [SHAPES[name] for name in _names(args.shapes, SHAPES) if name != "S3"]
    if any(SYSTEMS[system].events for shape in shapes
           for system in shape.systems or _names(args.systems, SYSTEMS)):
        BROKERS.start()
    try:
        runs = measure(args)
    finally:
        BROKERS.stop()
    summary = report.summarize(runs)
    print(report.tables(runs, summary))
    print(report.events_table(summary))
    print(report.targets(summary))
    with open(args.out, "w") as out:
        json.dump({"environment": environment(args), "summary": summary, "runs": runs}, out,
                  indent=1)
    systems = list(dict.fromkeys(run["system"] for run in runs))
    chart.draw(summary, systems, Path(args.chart))
    print(json.dumps(summary, separators=(",", ":")))


if __name__ == "__main__":
    main()
