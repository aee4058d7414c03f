"""The soak's arithmetic: tick timing, RSS slope, attack tallies, snapshot merging, verdict."""

from __future__ import annotations

import pytest

from bench.soak.bystanders import TickTimer
from bench.soak.report import (
    Thresholds,
    failures,
    histogram_quantile,
    hostile_figures,
    merge,
    rss_figures,
)

DT = 0.05
LATE_AFTER = 0.025


def timed(arrivals: list[tuple[int, float]]) -> TickTimer:
    timer = TickTimer(DT, LATE_AFTER)
    for tick, at in arrivals:
        timer.saw(tick, at)
    return timer


def test_ticks_on_schedule_are_on_time():
    timer = timed([(tick, 100 + tick * DT) for tick in range(1, 101)])
    assert (timer.slots, timer.on_time, timer.late, timer.missing) == (99, 99, 0, 0)


def test_a_late_tick_is_late_and_does_not_shift_the_schedule():
    arrivals = [(tick, 100 + tick * DT) for tick in range(1, 11)]
    arrivals[4] = (5, 100 + 5 * DT + 0.04)  # 40 ms late, the next one on time again
    timer = timed(arrivals)
    assert (timer.on_time, timer.late) == (8, 1)
    assert timer.lateness_ms[40] == 1


def test_a_burst_after_a_pause_counts_every_tick_that_came_late():
    # ticks 5-7 arrive together 100 ms after tick 5 was due (a server that caught up)
    arrivals = [(tick, 100 + tick * DT) for tick in range(1, 5)]
    arrivals += [(tick, 100 + 5 * DT + 0.1) for tick in (5, 6, 7)]
    arrivals += [(tick, 100 + tick * DT) for tick in range(8, 11)]
    timer = timed(arrivals)
    assert (timer.late, timer.on_time) == (2, 7)  # 5 (100 ms) and 6 (50 ms) late; 7 is 0


def test_a_gap_counts_its_missing_ticks_and_restarts_the_schedule():
    timer = timed([(1, 100.0), (2, 100.05), (6, 100.5), (7, 100.55)])
    assert (timer.gaps, timer.missing, timer.late, timer.on_time) == (1, 3, 1, 2)
    assert timer.slots == timer.on_time + timer.late + timer.missing


def test_a_stall_restarts_the_schedule_after_one_late_tick():
    # the server skipped its schedule by a second: one late tick, then on time again
    timer = timed([(1, 100.0), (2, 100.05), (3, 101.1), (4, 101.15), (5, 101.2)])
    assert (timer.late, timer.on_time) == (1, 3)


def test_early_ticks_move_the_schedule_earlier():
    timer = timed([(1, 100.03), (2, 100.05), (3, 100.10), (4, 100.15)])
    assert (timer.on_time, timer.late) == (3, 0)
    assert timer.due_at == pytest.approx(100.15)


def test_ticks_that_stopped_coming_before_the_end_are_missing():
    timer = timed([(1, 100.0), (2, 100.05)])
    timer.close(100.05 + 5 * DT)
    assert (timer.missing, timer.slots) == (4, 5)
    quiet = timed([(1, 100.0), (2, 100.05)])
    quiet.close(100.06)
    assert quiet.missing == 0


def test_rss_figures_give_the_table_and_the_second_half_slope():
    samples = [(float(t), 40 + t / 3600) for t in range(0, 3601, 10)]  # +1 MB per hour
    rss = rss_figures(samples, 3600)
    assert rss["second_half_slope_mb_per_hour"] == pytest.approx(1.0, abs=0.01)
    assert rss["second_half_growth_mb"] == pytest.approx(0.5, abs=0.01)
    assert len(rss["table"]) == 11 and rss["table"][5] == [1800, 40.5]
    assert (rss["first"], rss["last"], rss["max"]) == (40.0, 41.0, 41.0)


def test_rss_figures_without_enough_samples_have_no_slope():
    rss = rss_figures([(0.0, 40.0), (10.0, 41.0)], 10)
    assert rss["second_half_slope_mb_per_hour"] is None
    assert rss_figures([], 10) == {}


def test_histogram_quantiles():
    counts = {0: 90, 5: 9, 40: 1}
    assert histogram_quantile(counts, 0.5) == 0
    assert histogram_quantile(counts, 0.99) == 5
    assert histogram_quantile(counts, 1.0) == 40
    assert histogram_quantile({}, 0.5) is None


def outcome(result: str, seconds: float | None, kind: str = "ack_flood",
            bound: float = 2.0) -> dict:
    return {"kind": kind, "result": result, "seconds": seconds, "bound": bound, "detail": "d"}


def test_hostile_figures_tally_each_kind_and_name_what_was_not_ended_in_time():
    figures = hostile_figures({"started": 7, "outcomes": [
        outcome("cut", 0.1), outcome("cut", 0.3), outcome("cut", 3.5), outcome("survived", None),
        outcome("broken", None), outcome("unfinished", None),
        outcome("refused", 0.01, kind="nested_auth"),
    ]})
    flood = figures["by_kind"]["ack_flood"]
    assert (flood["runs"], flood["cut"], flood["survived"], flood["broken"],
            flood["unfinished"], flood["over_bound"]) == (6, 3, 1, 1, 1, 1)
    assert (flood["p50_s"], flood["max_s"]) == (0.3, 3.5)
    assert figures["by_kind"]["nested_auth"]["refused"] == 1
    assert figures["ended_by_server"] == 4
    assert len(figures["problems"]) == 3
    assert any("after 3.5 s, over its bound" in problem for problem in figures["problems"])


def test_merge_adds_numbers_and_counters_and_joins_lists():
    merged = merge([{"bots": 2, "errors": {"a": 1}, "lost": ["x"]},
                    {"bots": 3, "errors": {"a": 2, "b": 1}, "lost": ["y"]}])
    assert merged == {"bots": 5, "errors": {"a": 3, "b": 1}, "lost": ["x", "y"]}


def summary(seats_lost: int = 0, on_time: float | None = 99.9, growth: float | None = 1.0
            ) -> dict:
    return {"errors": [], "seats_lost": seats_lost, "ticks_on_time_pct": on_time,
            "rss_mb": {"second_half_growth_mb": growth}}


def test_the_verdict_names_every_failure():
    assert failures(summary(), Thresholds()) == []
    reasons = failures(summary(seats_lost=2, on_time=99.0, growth=6.0), Thresholds())
    assert len(reasons) == 3
    assert "2 seats lost" in reasons[0] and "99.00%" in reasons[1] and "6.0 MB" in reasons[2]
    assert failures(summary(on_time=None), Thresholds()) == ["no bystander tick was measured"]
