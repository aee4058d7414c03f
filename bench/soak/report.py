"""The soak's figures: merging worker snapshots, RSS over time, the verdict, text and JSON."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

RSS_ROWS = 10  # the RSS table has a row at every tenth of the run
MAX_PROBLEMS_SHOWN = 30


def merge(snapshots: list[dict[str, Any]]) -> dict[str, Any]:
    """Add up snapshots of several processes: numbers and counters are summed, lists joined."""
    merged: dict[str, Any] = {}
    for snapshot in snapshots:
        for key, value in snapshot.items():
            if isinstance(value, dict):
                counter = merged.setdefault(key, Counter())
                counter.update(value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            else:
                merged[key] = merged.get(key, 0) + value
    return {key: dict(value) if isinstance(value, Counter) else value
            for key, value in merged.items()}


def on_time_pct(bystanders: dict[str, Any]) -> float | None:
    """Percentage of bystander tick slots whose tick arrived on time; None before any."""
    slots = bystanders.get("slots", 0)
    return 100.0 * bystanders.get("on_time", 0) / slots if slots else None


def histogram_quantile(counts: dict[int, int], fraction: float) -> int | None:
    """The ``fraction`` quantile (nearest rank) of a histogram ``{value: count}``."""
    total = sum(counts.values())
    if not total:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    return max(counts)


def rss_figures(samples: list[tuple[float, float]], duration: float) -> dict[str, Any]:
    """First, last and largest RSS, a row at every tenth of the run, and the least-squares
    slope over the second half (MB/hour) with the growth it amounts to over that half."""
    if not samples:
        return {}
    table = []
    for row in range(RSS_ROWS + 1):
        at = duration * row / RSS_ROWS
        nearest = min(samples, key=lambda sample: abs(sample[0] - at))
        if not table or table[-1] != [round(nearest[0]), round(nearest[1], 1)]:
            table.append([round(nearest[0]), round(nearest[1], 1)])
    second_half = [sample for sample in samples if sample[0] >= duration / 2]
    slope = _slope(second_half)
    span = second_half[-1][0] - second_half[0][0] if second_half else 0.0
    return {
        "first": round(samples[0][1], 1), "last": round(samples[-1][1], 1),
        "max": round(max(mb for _, mb in samples), 1), "table": table,
        "second_half_slope_mb_per_hour": None if slope is None else round(slope * 3600, 2),
        "second_half_growth_mb": None if slope is None else round(slope * span, 2),
    }


def _slope(samples: list[tuple[float, float]]) -> float | None:
    if len(samples) < 3:
        return None
    mean_t = sum(t for t, _ in samples) / len(samples)
    mean_v = sum(v for _, v in samples) / len(samples)
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    if not spread:
        return None
    return sum((t - mean_t) * (v - mean_v) for t, v in samples) / spread


def hostile_figures(hostile: dict[str, Any]) -> dict[str, Any]:
    """Per attack kind: episodes by result, p50/max seconds until the server ended them, and
    every episode that was not ended within its bound."""
    outcomes = hostile.get("outcomes", [])
    by_kind: dict[str, dict[str, Any]] = {}
    problems = []
    for outcome in outcomes:
        kind = by_kind.setdefault(outcome["kind"], {
            "runs": 0, "cut": 0, "refused": 0, "survived": 0, "broken": 0, "unfinished": 0,
            "over_bound": 0, "bound_s": 0.0, "seconds": [], "last": ""})
        kind["runs"] += 1
        kind[outcome["result"]] += 1
        if outcome["result"] != "unfinished" or not kind["bound_s"]:
            kind["bound_s"] = outcome["bound"]
            kind["last"] = f"{outcome['result']}: {outcome['detail']}"
        seconds, bound = outcome["seconds"], outcome["bound"]
        if seconds is not None:
            kind["seconds"].append(seconds)
            kind["over_bound"] += seconds > bound
        if outcome["result"] == "survived":
            problems.append(f"{outcome['kind']} was not ended within {bound:.1f} s + the"
                            f" attack's grace: {outcome['detail']}")
        elif outcome["result"] == "broken":
            problems.append(f"{outcome['kind']} could not run: {outcome['detail']}")
        elif seconds is not None and seconds > bound:
            problems.append(f"{outcome['kind']} was {outcome['result']} after {seconds:.1f} s,"
                            f" over its bound of {bound:.1f} s: {outcome['detail']}")
    for kind in by_kind.values():
        seconds = sorted(kind.pop("seconds"))
        kind["p50_s"] = round(seconds[(len(seconds) - 1) // 2], 2) if seconds else None
        kind["max_s"] = round(seconds[-1], 2) if seconds else None
    return {"started": hostile.get("started", 0), "by_kind": by_kind,
            "ended_by_server": sum(k["cut"] + k["refused"] for k in by_kind.values()),
            "problems": problems}


@dataclass(frozen=True, slots=True)
class Thresholds:
    """What the soak must show: ticks on time, flat memory (no lost seat, always)."""

    min_on_time_pct: float = 99.5
    max_rss_growth_mb: float = 5.0


def failures(summary: dict[str, Any], thresholds: Thresholds) -> list[str]:
    """Why the soak failed, in words; empty when it passed."""
    reasons = list(summary["errors"])
    if summary["seats_lost"]:
        reasons.append(f"{summary['seats_lost']} seats lost within the seat grace")
    on_time = summary["ticks_on_time_pct"]
    if on_time is None:
        reasons.append("no bystander tick was measured")
    elif on_time < thresholds.min_on_time_pct:
        reasons.append(f"bystander ticks on time {on_time:.2f}% <"
                       f" {thresholds.min_on_time_pct}%")
    growth = summary["rss_mb"].get("second_half_growth_mb")
    if growth is not None and growth > thresholds.max_rss_growth_mb:
        reasons.append(f"RSS grew {growth:.1f} MB over the second half"
                       f" (> {thresholds.max_rss_growth_mb} MB)")
    return reasons


def render(summary: dict[str, Any]) -> str:
    """The closing report as text (the JSON line follows it)."""
    by = summary["bystanders"]
    rss = summary["rss_mb"]
    bots = summary["bots"]
    lateness = by["lateness_ms"]
    on_time = summary["ticks_on_time_pct"]
    lines = [
        f"soak summary: {summary['duration_s']:.0f} s, seed {summary['seed']}",
        f"bystanders: {by.get('clients', 0)} players, ticks on time "
        + ("n/a" if on_time is None else f"{on_time:.3f}%")
        + f" ({by.get('on_time', 0):,} of {by.get('slots', 0):,}; {by.get('late', 0)} late,"
        f" {by.get('missing', 0)} missing in {by.get('gaps', 0)} gaps, {by.get('resyncs', 0)}"
        f" resyncs, {by.get('drops', 0)} dropped); lateness p50 {lateness['p50']} ms,"
        f" p99 {lateness['p99']} ms, max {lateness['max']} ms",
    ]
    if rss:
        lines.append("RSS: " + " | ".join(f"{_clock(at)} {mb} MB" for at, mb in rss["table"]))
        lines.append(f"RSS first {rss['first']} MB, last {rss['last']} MB, max {rss['max']} MB;"
                     f" second half {_signed(rss['second_half_slope_mb_per_hour'])} MB/hour"
                     f" ({_signed(rss['second_half_growth_mb'])} MB)")
    actions = bots.get("actions", {})
    lines.append(f"seats lost: {summary['seats_lost']} of {actions.get('drop', 0)} drops"
                 f" ({actions.get('resume', 0)} resumed; {bots.get('late_resumes', 0)} could only"
                 " start after the grace, not counted)")
    lines.extend(f"  lost: {line}" for line in summary["lost_seats"])
    lines.append(f"bots: {bots.get('connected_at_end', 0)}/{bots.get('bots', 0)} connected at"
                 " the end;"
                 f" actions {_counts(bots.get('actions', {}))}; {bots.get('inputs', 0):,} inputs")
    lines.append(f"bot errors by code: {_counts(bots.get('errors', {})) or 'none'}")
    hostile = summary["hostile"]
    lines.append(f"hostile: {hostile['started']} attacks started")
    for kind, figures in sorted(hostile["by_kind"].items()):
        lines.append(
            f"  {kind:20} runs {figures['runs']:3} | cut {figures['cut']:3} refused"
            f" {figures['refused']:3} survived {figures['survived']:3} broken"
            f" {figures['broken']:2} unfinished {figures['unfinished']:2}"
            f" | p50 {_seconds(figures['p50_s'])} max"
            f" {_seconds(figures['max_s'])} (bound {figures['bound_s']:.0f} s)"
            f"\n  {'':20} last: {figures['last']}")
    problems = hostile["problems"][:MAX_PROBLEMS_SHOWN]
    lines.extend(f"  ! {line}" for line in problems)
    server = summary["server"]
    lines.append("server: " + ", ".join(f"{key} {value}" for key, value in server.items()))
    verdict = "PASS" if summary["ok"] else "FAIL: " + "; ".join(summary["failures"])
    lines.append(f"verdict: {verdict}")
    return "\n".join(lines)


def _clock(seconds: float) -> str:
    return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}"


def _seconds(value: float | None) -> str:
    return "     -" if value is None else f"{value:5.2f}s"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(counts.items(),
                                                                key=lambda kv: -kv[1]))
