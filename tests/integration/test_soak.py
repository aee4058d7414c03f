"""``python -m bench.soak``: short runs against a fresh server, for the report's shape and for
a failure it must catch."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

# attacks that end in moments against a defended server and cost little CPU against any
QUICK_ATTACKS = "non_ascii_token,nested_auth,unmasked_frame,fragment_interleaved"


async def start_soak(*flags: str) -> asyncio.subprocess.Process:
    """``python -m bench.soak`` with one bystander room and ``flags``, its output piped."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.soak", "--bystander-rooms", "1", *flags, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)


async def soak(*flags: str) -> tuple[int, list[str], dict[str, Any]]:
    """Run the soak; its exit status, its output lines and the JSON summary (the last line)."""
    process = await start_soak("--bots", "12", "--churn-seconds", "1", "--report-every", "2",
                               "--sample-every", "1", *flags)
    output, _ = await asyncio.wait_for(process.communicate(), timeout=90)
    lines = output.decode().splitlines()
    assert lines and lines[-1].startswith("{"), output.decode()[-3000:]
    return process.returncode, lines, json.loads(lines[-1])


async def test_a_short_soak_reports_ticks_memory_seats_and_attacks():
    status, lines, summary = await soak("--duration", "7", "--hostile", "2",
                                        "--attacks", QUICK_ATTACKS)
    text = "\n".join(lines)
    assert status == (0 if summary["ok"] else 1), text
    assert summary["ok"] == (summary["failures"] == [])
    assert sum("bystander ticks on time" in line for line in lines) >= 2  # progress lines
    assert "verdict:" in text

    bystanders = summary["bystanders"]
    assert bystanders["clients"] == 2
    assert bystanders["slots"] > 100  # two players at 20 ticks/s for several seconds
    assert bystanders["on_time"] + bystanders["late"] + bystanders["missing"] == \
        bystanders["slots"]
    assert summary["ticks_on_time_pct"] == 100 * bystanders["on_time"] / bystanders["slots"]
    assert set(bystanders["lateness_ms"]) == {"p50", "p99", "max"}

    rss = summary["rss_mb"]
    assert len(rss["table"]) >= 5 and rss["first"] > 10 and rss["max"] >= rss["last"]
    assert rss["second_half_slope_mb_per_hour"] is not None

    assert summary["seats_lost"] == 0, summary["lost_seats"]
    bots = summary["bots"]
    assert bots["bots"] == 12
    assert bots["actions"].get("resume", 0) >= 1  # dropped connections took their seats back
    assert bots["inputs"] > 100

    hostile = summary["hostile"]
    assert hostile["started"] >= 2
    finished = [kind for kind, figures in hostile["by_kind"].items()
                if figures["runs"] > figures["unfinished"]]
    assert finished, hostile
    assert set(hostile["by_kind"]) <= set(QUICK_ATTACKS.split(","))
    assert summary["server"]["started_by_soak"] and summary["server"]["ticks"] > 0
    # a started server runs alone on the first CPU, when the soak may use more than one
    cpus = os.sched_getaffinity(0)
    assert summary["server"]["cpu"] == (min(cpus) if len(cpus) > 1 else None)


async def test_sigterm_ends_the_soak_early_with_a_summary_and_stops_everything():
    process = await start_soak("--duration", "60", "--bots", "4", "--hostile", "0",
                               "--report-every", "1")
    assert process.stdout is not None
    lines: list[str] = []
    async with asyncio.timeout(60):
        while "bystander ticks on time" not in (line := (await process.stdout.readline()
                                                         ).decode()):
            assert line, "\n".join(lines)
            lines.append(line)
    process.send_signal(signal.SIGTERM)
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    summary = json.loads(output.decode().splitlines()[-1])
    assert process.returncode == 1
    assert any(failure.startswith("interrupted after") for failure in summary["failures"])
    assert summary["bystanders"]["slots"] > 0
    assert not Path(f"/proc/{summary['server']['pid']}").exists()  # the server was stopped


async def test_seats_lost_within_their_grace_fail_the_soak():
    # the bots plan their resumes for the default 20 s grace; this server holds seats 0.2 s
    status, lines, summary = await soak("--duration", "5", "--hostile", "0",
                                        "--server-flag=--seat-grace=0.2")
    assert status == 1
    assert summary["seats_lost"] >= 1
    assert summary["lost_seats"] and all("seat_expired" in lost
                                         for lost in summary["lost_seats"])
    assert any("seats lost" in reason for reason in summary["failures"])
    assert not summary["ok"]
    assert any(line.startswith("verdict: FAIL") for line in lines)
