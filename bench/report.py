"""Runs -> per-shape figures (medians over reps), ratios against each shape's reference
(Colyseus; one process for the cluster shape) and, per client, against the shape it is
measured ``versus`` (S4 against S2), markdown tables."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from bench.shapes import SHAPES, misses

PRIMARY, REFERENCE = "tickwire", "colyseus"  # a shape's systems unless it names its own
FIGURES = (
    "clients", "rooms", "ticks_held", "ticks_on_time", "ticks_late", "ticks_within_step",
    "tick_p50_ms", "tick_p99_ms",
    "tick_max_ms", "server_cpu_pct", "server_rss_mb", "bytes_per_client_s", "bytes_per_msg",
    "msgs_per_client_s", "msgs_per_client_s_min", "state_bytes", "keyframe_bytes",
    "delta_to_keyframe", "lat_p50_ms", "lat_p95_ms", "lat_p99_ms", "loadgen_cpu_pct",
    "state_gaps", "connect_errors", "disconnects", "other_load_cpu0_pct", "other_load_cpu1_pct",
    "server_cpu_ms_per_client_s", "redirects", "redis_commands_per_s",
    "redis_commands_per_room_s", "redis_cpu_pct", "redis_commands_per_join",
    "redis_cpu_us_per_join", "events_per_s", "kafka_p50_ms", "kafka_p99_ms", "kafka_depth",
    "rabbitmq_p50_ms", "rabbitmq_p99_ms", "rabbitmq_depth",
)
# ratios of a shape's system to its reference: (system, reference) -> (name in the keys,
# (figure, name))
RATIOS = {
    ("tickwire", "colyseus"): ("colyseus", (("bytes_per_client_s", "bytes"),
                                            ("server_cpu_pct", "cpu"),
                                            ("max_clients_held", "capacity"))),
    ("tickwire-cluster", "tickwire"): ("one_process", (
        ("server_cpu_ms_per_client_s", "cpu_per_client"), ("lat_p50_ms", "lat_p50"),
        ("lat_p99_ms", "lat_p99"))),
    ("tickwire-cluster", "tickwire-pair"): ("two_processes", (
        ("server_cpu_ms_per_client_s", "cpu_per_client"), ("lat_p99_ms", "lat_p99"))),
    ("tickwire-events", "tickwire"): ("no_sinks", (("server_cpu_pct", "cpu"),
                                                   ("lat_p99_ms", "lat_p99"))),
}
# figures per client a shape compares with those of its ``versus`` shape: (figure, name)
PER_CLIENT = (("bytes_per_client_s", "bytes_per_client"),
              ("server_cpu_ms_per_client_s", "cpu_per_client"))
# issues 5, 10, 11 and 13's targets: (what, shape, figure of the shape's summary entry, at least?,
# bound); "unchanged" latency is read as within 10%
TARGETS = (
    ("bytes/client/s <= 0.35 x Colyseus", "S2", "bytes_ratio_vs_colyseus", False, 0.35),
    ("server CPU <= 1.5 x Colyseus", "S2", "cpu_ratio_vs_colyseus", False, 1.5),
    ("clients held on one core >= 1,000", "S3", "max_clients_held", True, 1000),
    ("input->ack p50 <= 30 ms", "S2", "lat_p50_ms", False, 30),
    ("input->ack p99 <= 60 ms", "S2", "lat_p99_ms", False, 60),
    ("ticks run on time >= 99.5%", "S2", "ticks_on_time", True, 0.995),
    ("server RSS <= 60 MB", "S2", "server_rss_mb", False, 60),
    ("server CPU per client <= 1.1 x one process", "S2C", "cpu_per_client_ratio_vs_one_process",
     False, 1.1),
    ("Redis commands per room per second <= 2", "S2C", "redis_commands_per_room_s", False, 2),
    ("input->ack p99 <= 1.1 x one process", "S2C", "lat_p99_ratio_vs_one_process", False, 1.1),
    ("server CPU with Kafka + RabbitMQ sinks <= 1.05 x without (issue 11)", "S2E",
     "cpu_ratio_vs_no_sinks", False, 1.05),
    ("bytes/client/s <= 1.5 x S2's (issue 13)", "S4", "bytes_per_client_ratio_vs_S2", False,
     1.5),
    ("server CPU per client <= 1.5 x S2's (issue 13)", "S4", "cpu_per_client_ratio_vs_S2",
     False, 1.5),
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


def compared(shape: str) -> tuple[str, ...]:
    """The shape's own system, then its references (see ``Shape.systems``)."""
    systems = SHAPES[shape].systems if shape in SHAPES else ()
    return systems if len(systems) > 1 else (PRIMARY, REFERENCE)


def summarize(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Figures keyed by shape: the shape's own system's at the top level (Tickwire's; the
    cluster's for S2C) with its name under ``system``, other systems nested by name, and
    ratios to the reference."""
    summary: dict[str, dict[str, Any]] = {}
    for shape in dict.fromkeys(run["shape"] for run in runs):
        primary, *references = compared(shape)
        of_shape = [run for run in runs if run["shape"] == shape]
        by_system: dict[str, dict[str, Any]] = {}
        for system in dict.fromkeys(run["system"] for run in of_shape):
            mine = [run for run in of_shape if run["system"] == system]
            by_system[system] = capacity(mine) if shape == "S3" else medians(mine)
        entry = {"system": primary, **by_system.pop(primary, {})}
        entry |= by_system
        for reference in references:
            entry |= _ratios(entry, (primary, reference), by_system.get(reference, {}))
        summary[shape] = entry
    for shape, entry in summary.items():
        versus = _versus(shape)
        if versus in summary:
            entry |= {f"{name}_ratio_vs_{versus}": round(entry[key] / summary[versus][key], 3)
                      for key, name in PER_CLIENT
                      if entry.get(key) and summary[versus].get(key)}
    return summary


def _versus(shape: str) -> str:
    """The shape whose figures per client ``shape``'s are compared with ("": none)."""
    return SHAPES[shape].versus if shape in SHAPES else ""


def figures_of(entry: dict[str, Any], system: str) -> dict[str, Any]:
    """One system's figures in a shape's summary entry."""
    return entry if entry.get("system", PRIMARY) == system else entry.get(system, {})


def _ratios(primary: dict[str, Any], compared_pair: tuple[str, str], figures: dict[str, Any]
            ) -> dict[str, float]:
    label, pairs = RATIOS.get(compared_pair, (compared_pair[1], ()))
    return {f"{name}_ratio_vs_{label}": round(primary[key] / figures[key], 3)
            for key, name in pairs if primary.get(key) and figures.get(key)}


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
CLUSTER_COLUMNS: tuple[Column, ...] = (  # tables with a cluster in them
    ("server CPU ms/client/s", _fmt("server_cpu_ms_per_client_s", digits=3)),
    ("redirects", _fmt("redirects", digits=0)),
    ("Redis commands/s (/room)", _fmt("redis_commands_per_s", "redis_commands_per_room_s",
                                      digits=2)),
    ("Redis commands / CPU µs per join", _fmt("redis_commands_per_join",
                                              "redis_cpu_us_per_join", digits=1)),
    ("Redis CPU %", _fmt("redis_cpu_pct", digits=2)),
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
        clustered = any(figures.get("redis_commands_per_s") is not None for _, figures in rows)
        versus = _versus(shape)
        out += _table("system", rows, CLUSTER_COLUMNS if clustered else
                      CLUSTER_COLUMNS[:1] if versus else ())
        primary, *references = compared(shape)
        for reference in references:
            label = RATIOS.get((primary, reference), (reference,))[0]
            ratios = ", ".join(f"{key} = {value}" for key, value in entry.items()
                               if key.endswith(f"_ratio_vs_{label}"))
            if ratios:
                out.append(f"\n{primary} / {reference}: {ratios}")
        per_client = ", ".join(f"{key} = {value}" for key, value in entry.items()
                               if versus and key.endswith(f"_ratio_vs_{versus}"))
        if per_client:
            out.append(f"\n{shape} / {versus} per client: {per_client}")
    return "\n".join(out)


def events_table(summary: dict[str, dict[str, Any]]) -> str:
    """For a shape that ran ``tickwire-events`` against ``tickwire`` (S2E): server CPU without
    and with the sinks, events per second, each sink's delivery latency p50/p99."""
    lines = []
    for shape, entry in summary.items():
        if entry.get("system") != "tickwire-events":
            continue
        if not lines:
            lines = ["\n### Events (issue 11): Kafka + RabbitMQ sinks on vs off",
                     "| shape | CPU % off / on | ratio | events/s | Kafka p50 / p99 ms | "
                     "RabbitMQ p50 / p99 ms |", "|---|---|---|---|---|---|"]
        without = entry.get("tickwire", {})
        lines.append("| " + " | ".join([
            shape, _fmt("server_cpu_pct")(without) + " / " + _fmt("server_cpu_pct")(entry),
            str(entry.get("cpu_ratio_vs_no_sinks", "—")), _fmt("events_per_s")(entry),
            _fmt("kafka_p50_ms", "kafka_p99_ms", digits=2)(entry),
            _fmt("rabbitmq_p50_ms", "rabbitmq_p99_ms", digits=2)(entry)]) + " |")
    return "\n".join(lines)


def _held_cell(run: dict[str, Any]) -> str:
    reasons = misses(run)
    return "no: " + "; ".join(reasons) if reasons else "yes"


def _held_line(entry: dict[str, Any], systems: list[str]) -> str:
    return ", ".join(f"{system} {figures_of(entry, system).get('max_clients_held', 0)}"
                     for system in systems)


def targets(summary: dict[str, dict[str, Any]]) -> str:
    """Issues 5, 10, 11 and 13's targets against this run's figures (for the shapes that
    ran)."""
    lines = ["\n### Targets (issues 5, 10, 11 and 13)", "| target | shape | measured | met |",
             "|---|---|---|---|"]
    for what, shape, key, at_least, bound in TARGETS:
        value = summary.get(shape, {}).get(key)
        if value is None:
            continue
        met = value >= bound if at_least else value <= bound
        lines.append(f"| {what} | {shape} | {value:,} | {'yes' if met else 'NO'} |")
    return "\n".join(lines) if len(lines) > 3 else ""
