"""The benchmark's report: the cluster shape's summary, ratios and targets beside the usual
shapes, and Redis figures per join from three commandstats samples."""

from __future__ import annotations

from typing import Any

from bench import report
from bench.redis_probe import RedisSample, join_figures


def _run(shape: str, system: str, rep: int, **figures: Any) -> dict[str, Any]:
    return {"shape": shape, "system": system, "wanted": 200, "rep": rep, "clients": 200,
            **figures}


RUNS = [
    _run("S2", "tickwire", 1, server_cpu_pct=27.0, bytes_per_client_s=2400),
    _run("S2", "colyseus", 1, server_cpu_pct=20.0, bytes_per_client_s=7200),
    _run("S2C", "tickwire-cluster", 1, server_cpu_ms_per_client_s=1.4, lat_p50_ms=26.0,
         lat_p99_ms=52.0, redis_commands_per_s=20.0, redis_commands_per_room_s=0.8,
         redis_commands={"evalsha": 3.0}),
    _run("S2C", "tickwire", 1, server_cpu_ms_per_client_s=1.2, lat_p50_ms=26.0,
         lat_p99_ms=50.0),
    _run("S2C", "tickwire-cluster", 2, server_cpu_ms_per_client_s=1.3, lat_p50_ms=27.0,
         lat_p99_ms=51.0, redis_commands_per_s=22.0, redis_commands_per_room_s=0.88),
    _run("S2C", "tickwire", 2, server_cpu_ms_per_client_s=1.2, lat_p50_ms=26.0,
         lat_p99_ms=50.0),
    _run("S2C", "tickwire-pair", 1, server_cpu_ms_per_client_s=1.25, lat_p99_ms=50.0),
    _run("S2C", "tickwire-pair", 2, server_cpu_ms_per_client_s=1.35, lat_p99_ms=52.0),
]


def test_the_cluster_shape_puts_the_cluster_on_top_and_compares_it_with_one_process():
    summary = report.summarize(RUNS)
    cluster = summary["S2C"]
    assert cluster["system"] == "tickwire-cluster" and cluster["reps"] == 2
    assert cluster["server_cpu_ms_per_client_s"] == 1.35
    assert cluster["redis_commands_per_room_s"] == 0.84
    assert cluster["tickwire"]["server_cpu_ms_per_client_s"] == 1.2
    assert cluster["cpu_per_client_ratio_vs_one_process"] == round(1.35 / 1.2, 3)
    assert cluster["lat_p99_ratio_vs_one_process"] == round(51.5 / 50.0, 3)
    assert "cpu_ratio_vs_colyseus" not in cluster
    # and with two processes that are no cluster: what the cluster itself costs
    assert cluster["tickwire-pair"]["server_cpu_ms_per_client_s"] == 1.3
    assert cluster["cpu_per_client_ratio_vs_two_processes"] == round(1.35 / 1.3, 3)
    assert cluster["lat_p99_ratio_vs_two_processes"] == round(51.5 / 51.0, 3)
    assert report.figures_of(cluster, "tickwire-cluster") is cluster
    assert report.figures_of(cluster, "tickwire") is cluster["tickwire"]
    # the usual shapes are unchanged: Tickwire on top, against Colyseus
    assert summary["S2"]["system"] == "tickwire"
    assert summary["S2"]["cpu_ratio_vs_colyseus"] == 1.35
    assert report.figures_of(summary["S2"], "colyseus")["server_cpu_pct"] == 20.0


def test_tables_and_targets_show_the_cluster_figures():
    summary = report.summarize(RUNS)
    tables = report.tables(RUNS, summary)
    s2c = tables[tables.index("### S2C"):]
    assert "| Redis commands/s (/room) |" in s2c.splitlines()[1]
    cluster_row = next(line for line in s2c.splitlines() if line.startswith("| tickwire-cluster"))
    assert "| 21.00 / 0.84 |" in cluster_row
    assert "tickwire-cluster / tickwire: cpu_per_client_ratio_vs_one_process = 1.125" in s2c
    assert "tickwire-cluster / tickwire-pair: cpu_per_client_ratio_vs_two_processes = 1.038" in s2c
    s2 = tables[tables.index("### S2 "):tables.index("### S2C")]
    assert "Redis" not in s2
    targets = report.targets(summary)
    assert "| server CPU per client <= 1.1 x one process | S2C | 1.125 | NO |" in targets
    assert "| Redis commands per room per second <= 2 | S2C | 0.84 | yes |" in targets
    assert "| input->ack p99 <= 1.1 x one process | S2C | 1.03 | yes |" in targets


def test_redis_per_join_is_what_the_joins_added_to_the_steady_rate():
    before = RedisSample(10.0, {"evalsha": 100, "hget": 50}, 1.0)
    start = RedisSample(12.0, {"evalsha": 204, "hget": 54, "publish": 8, "info": 9}, 1.5)
    end = RedisSample(16.0, {"evalsha": 208, "hget": 62, "publish": 8, "info": 20}, 1.54)
    # steady: evalsha 1/s, hget 2/s, Redis CPU 10 ms/s; over the 2 s of joins that is
    # 2 evalsha, 4 hget and 20 ms, the rest (102 evalsha, 0 hget, 8 publish, 480 ms) is 4 joins'
    figures = join_figures(before, start, end, joins=4)
    assert figures["redis_commands_per_join"] == 27.5
    assert figures["redis_cpu_us_per_join"] == 120_000
    assert figures["redis_join_commands"] == {"evalsha": 25.5, "publish": 2.0, "hget": 0.0}
    assert join_figures(before, start, end, joins=0) == {}
