"""``python -m bench.soak``: soak a Tickwire server (see bench/README.md).

Starts a fresh server (or attaches to ``--url`` with ``--pid``), then for ``--duration``
seconds runs timed bystander rooms, ``--bots`` churning bots and ``--hostile`` attacks at a
time. Prints a progress line every ``--report-every`` seconds, then a summary whose last line
is one JSON object. Exit status 1 when a seat was lost within its grace, bystander ticks on
time fell below ``--min-on-time`` percent, RSS grew more than ``--max-rss-growth`` MB over the
second half of the run, the server died, or a worker failed. SIGTERM ends it early like
Ctrl-C (with a summary, the server and the workers stopped).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import sys
from types import FrameType
from urllib.parse import urlsplit

from bench.soak.attacks import ATTACKS
from bench.soak.report import Thresholds
from bench.soak.run import SoakPlan, print_summary, soak

MAX_DURATION = 4 * 3600
MAX_BOTS = 1000
MAX_HOSTILE = 20
MAX_BYSTANDER_ROOMS = 10
ATTACK_NAMES = [attack.name for attack in ATTACKS]


def parse_args(argv: list[str] | None = None) -> SoakPlan:
    """Command-line options, checked, as a plan."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("--duration", type=float, default=3600.0, help=f"seconds, at most {MAX_DURATION}")
    add("--bots", type=int, default=200, help=f"churning bots, 0-{MAX_BOTS} (200)")
    add("--bot-addresses", type=int, default=25,
        help="loopback addresses the bots connect from, 127.0.1.1 and up (25)")
    add("--hostile", type=int, default=3, help=f"attacks at a time, 0-{MAX_HOSTILE} (3)")
    add("--bystander-rooms", type=int, default=3,
        help=f"timed rooms of 2 players, 1-{MAX_BYSTANDER_ROOMS} (3)")
    add("--seed", type=int, default=1, help="seed of every random choice (1)")
    add("--seat-grace", type=float, default=20.0,
        help="the server's seat grace in seconds; bots resume well within it (20)")
    add("--churn-seconds", type=float, default=20.0,
        help="mean seconds a bot plays between drops, leaves and quits (20)")
    add("--late-ms", type=float, default=0.0,
        help="a tick arriving later than this after its slot is late (0: half a tick)")
    add("--min-on-time", type=float, default=99.5, help="percent of bystander ticks (99.5)")
    add("--max-rss-growth", type=float, default=5.0,
        help="MB the server's RSS may grow over the second half (5)")
    add("--sample-every", type=float, default=5.0, help="seconds between RSS samples (5)")
    add("--report-every", type=float, default=10.0, help="seconds between progress lines (10)")
    add("--attacks", default=",".join(ATTACK_NAMES),
        help="comma-separated attacks to rotate through (all): " + ", ".join(ATTACK_NAMES))
    add("--server-flag", action="append", default=[], metavar="FLAG",
        help="pass a flag to the server started, e.g. --server-flag=--ping-interval=5")
    add("--server-cpu", type=int, default=None, metavar="N",
        help="run a started server on CPU N alone and the soak's own processes on the other "
             "CPUs (default: CPU 0 when the soak may use more than one; -1: pin nothing)")
    add("--url", default="", help="soak a running server instead (loopback only)")
    add("--pid", type=int, default=0, help="that server's process id (for its RSS)")
    args = parser.parse_args(argv)
    attacks = tuple(name.strip() for name in args.attacks.split(",") if name.strip())
    unknown = sorted(set(attacks) - set(ATTACK_NAMES))
    problems = [
        (bool(unknown) or not attacks, f"--attacks: unknown {', '.join(unknown)}"),
        (not 0 < args.duration <= MAX_DURATION, f"--duration must be in (0, {MAX_DURATION}]"),
        (not 0 <= args.bots <= MAX_BOTS, f"--bots must be in [0, {MAX_BOTS}]"),
        (not 1 <= args.bot_addresses <= 250, "--bot-addresses must be in [1, 250]"),
        (not 0 <= args.hostile <= MAX_HOSTILE, f"--hostile must be in [0, {MAX_HOSTILE}]"),
        (not 1 <= args.bystander_rooms <= MAX_BYSTANDER_ROOMS,
         f"--bystander-rooms must be in [1, {MAX_BYSTANDER_ROOMS}]"),
        (not 0 < args.seat_grace <= 600, "--seat-grace must be in (0, 600]"),
        (not 0.5 <= args.churn_seconds <= 3600, "--churn-seconds must be in [0.5, 3600]"),
        (not 0.5 <= args.sample_every <= 600, "--sample-every must be in [0.5, 600]"),
        (not 1 <= args.report_every <= 600, "--report-every must be in [1, 600]"),
        (bool(args.url) and not _loopback(urlsplit(args.url).hostname or ""),
         "--url must be on this machine's loopback"),
        (bool(args.url) and args.pid <= 0, "--url needs --pid (the server's process id)"),
        (bool(args.url) and bool(args.server_flag), "--server-flag needs a started server"),
    ]
    for failed, message in problems:
        if failed:
            parser.error(message)
    server_cpu = _server_cpu(args.server_cpu, bool(args.url), parser)
    return SoakPlan(
        duration=args.duration, bots=args.bots, bot_addresses=args.bot_addresses,
        hostile=args.hostile,
        bystander_rooms=args.bystander_rooms, seed=args.seed, seat_grace=args.seat_grace,
        churn_seconds=args.churn_seconds, late_ms=args.late_ms, sample_every=args.sample_every,
        report_every=args.report_every, attacks=attacks,
        thresholds=Thresholds(args.min_on_time, args.max_rss_growth), url=args.url,
        pid=args.pid, server_flags=args.server_flag, server_cpu=server_cpu)


def _server_cpu(asked: int | None, attached: bool, parser: argparse.ArgumentParser) -> int:
    """The CPU a started server gets to itself, or -1 for none."""
    cpus = os.sched_getaffinity(0)
    if asked is None:
        return min(cpus) if len(cpus) > 1 and not attached else -1
    if asked >= 0 and attached:
        parser.error("--server-cpu needs a started server")
    if asked >= 0 and (asked not in cpus or len(cpus) < 2):
        parser.error(f"--server-cpu: CPU {asked} is not one of several this soak may use "
                     f"({sorted(cpus)})")
    return max(asked, -1)


def _loopback(host: str) -> bool:
    try:
        address = ipaddress.ip_address("127.0.0.1" if host == "localhost" else host)
    except ValueError:
        return False
    return address.version == 4 and address.is_loopback


def main(argv: list[str] | None = None) -> int:
    """Run the soak; the exit status says whether it passed."""
    signal.signal(signal.SIGTERM, _interrupt)
    summary = soak(parse_args(argv))
    print_summary(summary)
    return 0 if summary["ok"] else 1


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
