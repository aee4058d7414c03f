"""The results as a PNG: bytes per client per system, and S3 capacity on one core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bench.report import figures_of


def draw(summary: dict[str, dict[str, Any]], systems: list[str], path: Path) -> None:
    """Write the chart of ``summary`` (see ``report.summarize``) to ``path``."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    _bytes(left, summary, systems)
    _capacity(right, summary.get("S3", {}), systems)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _bytes(axes: Any, summary: dict[str, dict[str, Any]], systems: list[str]) -> None:
    shapes = [shape for shape in summary if shape != "S3"]
    width = 0.8 / max(1, len(systems))
    for index, system in enumerate(systems):
        values = [figures_of(summary[shape], system).get("bytes_per_client_s") or 0
                  for shape in shapes]
        positions = [x + (index - (len(systems) - 1) / 2) * width for x in range(len(shapes))]
        bars = axes.bar(positions, values, width, label=system)
        # a system a shape does not run (Colyseus in S2C, the cluster in S1/S2) gets no label
        axes.bar_label(bars, labels=[f"{value:,.0f}" if value else "" for value in values],
                       fontsize=8)
    axes.set_xticks(range(len(shapes)), shapes)
    axes.set_ylabel("bytes / client / s (TCP, received)")
    axes.set_title("Bandwidth per client (lower is better)")
    axes.legend()


def _capacity(axes: Any, entry: dict[str, Any], systems: list[str]) -> None:
    axes.set_title("S3 capacity on one core")
    plotted = [system for system in systems if figures_of(entry, system).get("levels")]
    if not plotted:
        axes.text(0.5, 0.5, "S3 not run", ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return
    for system in plotted:
        figures = figures_of(entry, system)
        levels = figures["levels"]
        line, = axes.plot([level["wanted"] for level in levels],
                          [level["server_cpu_pct"] or 0 for level in levels], marker="o",
                          label=f"{system} (held up to {figures['max_clients_held']})")
        for level in levels:
            if not level["held"]:
                axes.plot(level["wanted"], level["server_cpu_pct"] or 0, "x", markersize=12,
                          color=line.get_color())
    axes.axhline(95, linestyle="--", color="grey", linewidth=0.8)
    axes.set_xlabel("clients (rooms of 8 players + 16 NPCs); x = not held")
    axes.set_ylabel("server CPU % of one core")
    axes.set_ylim(0, 105)
    axes.legend()
