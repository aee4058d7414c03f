"""Runs -> per-shape figures (medians over reps), ratios against Colyseus, markdown tables."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from bench.shapes import misses

PRIMARY, REFERENCE, WITH_EVENTS = "tickwire", "colyseus", "tickwire-events"
FIGURES = (
    "clients", "rooms", "ticks_held", "ticks_on_time", "ticks_late", "ticks_within_step",
    "tick_p50_ms", "tick_p99_ms",
    "tick_max_ms", "server_cpu_pct", "server_rss_mb", "bytes_per_client_s", "bytes_per_msg",
    "msgs_per_client_s", "msgs_per_client_s_min", "state_bytes", "keyframe_bytes",
    "delta_to_keyframe", "lat_p50_ms", "lat_p95_ms", "lat_p99_ms", "loadgen_cpu_pct",
    "state_gaps", "connect_errors", "disconnects", "other_load_cpu0_pct", "other_load_cpu1_pct",
    "events_per_s", "kafka_p50_ms", "kafka_p99_ms", "kafka_depth", "rabbitmq_p50_ms",
    "rabbitmq_p99_ms", "rabbitmq_depth",
)
# issue 5's targets: (what, shape, figure of the shape's summary entry, at least?, bound)
TARGETS = (
    ("bytes/client/s <= 0.35 x Colyseus", "S2", "bytes_ratio_vs_colyseus", False, 0.35),
    ("server CPU <= 1.5 x Colyseus", "S2", "cpu_ratio_vs_colyseus", False, 1.5),
    ("clients held on one core >= 1,000", "S3", "max_clients_held", True, 1000),
    ("input->ack p50 <= 30 ms", "S2", "lat_p50_ms", False, 30),
    ("input->ack p99 <= 60 ms", "S2", "lat_p99_ms", False, 60),
    ("ticks run on time >= 99.5%", "S2", "ticks_on_time", True, 0.995),
    ("server RSS <= 60 MB", "S2", "server_rss_mb", False, 60),
    ("server CPU with Kafka + RabbitMQ sinks <= 1.05 x without (issue 11)", "S2",
     "cpu_ratio_events_on_off", False, 1.05),
)
LEVEL_FIGURES = ("clients", "server_cpu_pct", "ticks_on_time", "ticks_within_step",
                 "msgs_per_client_s_min",
                 "lat_p95_ms", "bytes_per_client_s", "server_rss_mb", "loadgen_cpu_pct",
                 "other_load_cpu0_pct", "other_load_cpu1_pct")


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of every figure over the runs that produced it, with the CPU range."""
    good = [run for run in runs if not run.get("error")]
    figures: dict[str, Any] = {"reps": len(good)}
    if len(good) < len(runs):
        figures["errors"] = [run["error"] for run in runs if run.get("error")]
    for key in FIGURES:
        values = [run[key] for run in good if run.get(key) is not None]
        if values:
            figures[key] = round(statistics.median(values), 3)
    cpus = [run["server_cpu_pct"] for run in good if run.get("server_cpu_pct") is not None]
    if cpus:
        figures["server_cpu_pct_range"] = [min(cpus), max(cpus)]
    return figures


def capacity(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """S3: the most clients held, and each level tried (a level holds if one try held)."""
    levels = []
    for wanted in dict.fromkeys(run["wanted"] for run in runs):
        tries = [run for run in runs if run["wanted"] == wanted]
        best = next((run for run in tries if not misses(run)), tries[-1])
        levels.append({"wanted": wanted, "held": not misses(best), "tries": len(tries),
                       "misses": misses(best), **{key: best.get(key) for key in LEVEL_FIGURES}})
    held = [level["wanted"] for level in levels if level["held"]]
    return {"max_clients_held": max(held, default=0), "levels": levels}


def summarize(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Figures keyed by shape: Tickwire's at the top level, other systems nested by name."""
    summary: dict[str, dict[str, Any]] = {}
    for shape in dict.fromkeys(run["shape"] for run in runs):
        of_shape = [run for run in runs if run["shape"] == shape]
        by_system: dict[str, dict[str, Any]] = {}
        for system in dict.fromkeys(run["system"] for run in of_shape):
            mine = [run for run in of_shape if run["system"] == system]
            by_system[system] = capacity(mine) if shape == "S3" else medians(mine)
        entry = dict(by_system.pop(PRIMARY, {}))
        entry |= by_system
        entry |= _ratios(entry, by_system.get(REFERENCE, {}))
        with_events = by_system.get(WITH_EVENTS, {})
        if entry.get("server_cpu_pct") and with_events.get("server_cpu_pct"):
            entry["cpu_ratio_events_on_off"] = round(
                with_events["server_cpu_pct"] / entry["server_cpu_pct"], 3)
        summary[shape] = entry
    return summary


def figures_of(entry: dict[str, Any], system: str) -> dict[str, Any]:
    """One system's figures in a shape's summary entry."""
    return entry if system == PRIMARY else entry.get(system, {})


def _ratios(primary: dict[str, Any], reference: dict[str, Any]) -> dict[str, float]:
    ratios = {}
    for key, name in (("bytes_per_client_s", "bytes"), ("server_cpu_pct", "cpu"),
                      ("max_clients_held", "capacity")):
        if primary.get(key) and reference.get(key):
            ratios[f"{name}_ratio_vs_{REFERENCE}"] = round(primary[key] / reference[key], 3)
    return ratios


# -- tables ------------------------------------------------------------------------------------

Column = tuple[str, Callable[[dict[str, Any]], str]]


def _fmt(*keys: str, digits: int = 1) -> Callable[[dict[str, Any]], str]:
    def cell(figures: dict[str, Any]) -> str:
        values = [figures.get(key) for key in keys]
        return " / ".join("—" if v is None else f"{v:,.{digits}f}" for v in values)
    return cell


def _cpu(figures: dict[str, Any]) -> str:
    cell = _fmt("server_cpu_pct")(figures)
    low_high = figures.get("server_cpu_pct_range")
    many = figures.get("reps", 1) > 1
    return f"{cell} ({low_high[0]}-{low_high[1]})" if low_high and many else cell


COLUMNS: tuple[Column, ...] = (
    ("clients", _fmt("clients", digits=0)),
    ("rooms", _fmt("rooms", digits=0)),
    ("ticks held / on time / within step",
     _fmt("ticks_held", "ticks_on_time", "ticks_within_step", digits=3)),
    ("tick p50 / p99 / max ms", _fmt("tick_p50_ms", "tick_p99_ms", "tick_max_ms", digits=2)),
    ("server CPU %", _cpu),
    ("RSS MB", _fmt("server_rss_mb")),
    ("bytes/client/s", _fmt("bytes_per_client_s", digits=0)),
    ("bytes/msg", _fmt("bytes_per_msg", digits=0)),
    ("states/client/s (min)", _fmt("msgs_per_client_s", "msgs_per_client_s_min", digits=2)),
    ("input→ack p50 / p95 / p99 ms", _fmt("lat_p50_ms", "lat_p95_ms", "lat_p99_ms")),
    ("delta/keyframe", _fmt("delta_to_keyframe", digits=3)),
    ("loadgen CPU %", _fmt("loadgen_cpu_pct")),
    ("other load CPU0 / CPU1 %", _fmt("other_load_cpu0_pct", "other_load_cpu1_pct")),
)


def _table(first: str, rows: list[tuple[str, dict[str, Any]]], extra: tuple[Column, ...] = ()
           ) -> list[str]:
    columns = (*COLUMNS, *extra)
    lines = ["| " + " | ".join([first, *(header for header, _ in columns)]) + " |",
             "|" + "---|" * (len(columns) + 1)]
    for label, figures in rows:
        lines.append("| " + " | ".join([label, *(cell(figures) for _, cell in columns)]) + " |")
    return lines


def tables(runs: list[dict[str, Any]], summary: dict[str, dict[str, Any]]) -> str:
    """A markdown table per shape: medians per system, or S3's levels one by one."""
    out: list[str] = []
    for shape, entry in summary.items():
        of_shape = [run for run in runs if run["shape"] == shape]
        systems = list(dict.fromkeys(run["system"] for run in of_shape))
        if shape == "S3":
            out.append(f"\n### S3 (one run per level, up to the first level not held; "
                       f"most clients held: {_held_line(entry, systems)})")
            rows = [(f"{run['system']} {run['wanted']} (try {run['attempt']})", run)
                    for run in of_shape]
            out += _table("system, clients", rows, (("held", _held_cell),))
            continue
        reps = max(medians([r for r in of_shape if r["system"] == s]).get("reps", 0)
                   for s in systems)
        out.append(f"\n### {shape} (medians of {reps})")
        rows = [(system, figures_of(entry, system)) for system in systems]
        out += _table("system", rows)
        ratios = ", ".join(f"{key} = {value}" for key, value in entry.items()
                           if key.endswith(f"_ratio_vs_{REFERENCE}"))
        if ratios:
            out.append(f"\n{PRIMARY} / {REFERENCE}: {ratios}")
    return "\n".join(out)


def events_table(summary: dict[str, dict[str, Any]]) -> str:
    """Per shape run with ``tickwire-events``: CPU without and with the sinks, events per
    second, each sink's delivery latency."""
    lines = []
    for shape, entry in summary.items():
        with_events = entry.get(WITH_EVENTS)
        if not with_events:
            continue
        if not lines:
            lines = ["\n### Events (issue 11): Kafka + RabbitMQ sinks on vs off",
                     "| shape | CPU % off / on | ratio | events/s | Kafka p50 / p99 ms | "
                     "RabbitMQ p50 / p99 ms |", "|---|---|---|---|---|---|"]
        lines.append("| " + " | ".join([
            shape, _fmt("server_cpu_pct")(entry) + " / " + _fmt("server_cpu_pct")(with_events),
            str(entry.get("cpu_ratio_events_on_off", "—")),
            _fmt("events_per_s")(with_events),
            _fmt("kafka_p50_ms", "kafka_p99_ms", digits=2)(with_events),
            _fmt("rabbitmq_p50_ms", "rabbitmq_p99_ms", digits=2)(with_events)]) + " |")
    return "\n".join(lines)


def _held_cell(run: dict[str, Any]) -> str:
    reasons = misses(run)
    return "no: " + "; ".join(reasons) if reasons else "yes"


def _held_line(entry: dict[str, Any], systems: list[str]) -> str:
    return ", ".join(f"{system} {figures_of(entry, system).get('max_clients_held', 0)}"
                     for system in systems)


def targets(summary: dict[str, dict[str, Any]]) -> str:
    """Issue 5's targets against this run's figures (for the shapes that ran)."""
    lines = ["\n### Targets (issue 5)", "| target | shape | measured | met |", "|---|---|---|---|"]
    for what, shape, key, at_least, bound in TARGETS:
        value = summary.get(shape, {}).get(key)
        if value is None:
            continue
        met = value >= bound if at_least else value <= bound
        lines.append(f"| {what} | {shape} | {value:,} | {'yes' if met else 'NO'} |")
    return "\n".join(lines) if len(lines) > 3 else ""
