"""Shape S4 (issue 13) without running it: the large-arena room it asks for is one the bench
server offers and accepts, the loadgen is told which game to join, ``--help`` lists it, and
the report compares its bytes and CPU per client with S2's; the in-process breakdown of its
messages accounts for every byte."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import msgpack
import pytest

from bench import interest_bytes, report
from bench.game import LargeBenchArena
from bench.measure import Timing, _drive
from bench.server import main as serve_bench
from bench.shapes import SHAPES
from server.config import ServerConfig
from shared.games.arena_large import GRID, LARGE
from tests.helpers import ROOT

S4 = SHAPES["S4"]


def test_s4_is_one_full_large_arena_room_compared_with_s2():
    assert (S4.clients, S4.players, S4.npcs) == (64, LARGE.max_players, LARGE.npcs)
    assert S4.game == LargeBenchArena.name == "bench-large" and S4.versus == "S2"
    assert LargeBenchArena.interest == GRID and LargeBenchArena.world == LARGE.world
    settings = LargeBenchArena.settings_schema.merge(
        LargeBenchArena.settings_schema.defaults(), {"npcs": S4.npcs})
    cost = LargeBenchArena.max_entities(settings, S4.players) * 20
    assert cost <= ServerConfig().max_room_load  # the server's default budget takes the room


def test_the_bench_server_offers_the_large_bench_game(monkeypatch):
    offered = {}
    monkeypatch.setattr("bench.server.serve",
                        lambda argv, games, prog: offered.update(games))
    serve_bench([])
    assert offered[S4.game] is LargeBenchArena and "bench" in offered


def test_the_loadgen_is_told_the_game(monkeypatch):
    argv: list[str] = []

    class Stop(Exception):
        pass

    def popen(args, **kwargs):
        argv.extend(args)
        raise Stop

    monkeypatch.setattr("bench.measure.subprocess.Popen", popen)
    servers = SimpleNamespace(system=SimpleNamespace(client="tickwire", cluster=False),
                              ports=[1], redis=None)
    with pytest.raises(Stop):
        _drive(servers, S4, S4.clients, Timing(1.0, 1.0))
    assert argv[argv.index("--game") + 1] == "bench-large"
    assert argv[argv.index("--npcs") + 1] == "300"


def test_help_lists_s4():
    shown = subprocess.run([sys.executable, "-m", "bench", "--help"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout
    assert "S4" in shown


def test_the_report_gives_s4_per_client_ratios_to_s2():
    runs = [
        {"shape": "S2", "system": "tickwire", "wanted": 200, "clients": 200,
         "bytes_per_client_s": 2000, "server_cpu_ms_per_client_s": 1.0},
        {"shape": "S4", "system": "tickwire", "wanted": 64, "clients": 64,
         "bytes_per_client_s": 2600, "server_cpu_ms_per_client_s": 1.6},
    ]
    summary = report.summarize(runs)
    assert summary["S4"]["bytes_per_client_ratio_vs_S2"] == 1.3
    assert summary["S4"]["cpu_per_client_ratio_vs_S2"] == 1.6
    assert "S4 / S2 per client: bytes_per_client_ratio_vs_S2 = 1.3" in report.tables(
        runs, summary)
    targets = report.targets(summary)
    assert "| bytes/client/s <= 1.5 x S2's (issue 13) | S4 | 1.3 | yes |" in targets
    assert "| server CPU per client <= 1.5 x S2's (issue 13) | S4 | 1.6 | NO |" in targets


def test_the_in_process_breakdown_accounts_for_every_byte():
    message = [70000, 300, [4], [[5, [[9, 1, 2]]]], [[7, [1, -2, 3, 0], [8, 1, 2, -1], [], [3]]]]
    counted = interest_bytes.parts(message)
    assert sum(counted.values()) == len(msgpack.packb(message))
    assert counted["moves"] == 5 and counted["cell headers"] == 2 and counted["head"] == 9
    by_part, messages, spent = interest_bytes.large(ticks=3, seed=2)
    assert messages == S4.clients and spent > 0
    held = by_part.pop("cells held"), by_part.pop("entities held")
    assert all(held) and by_part["moves"] > 0
    assert sum(by_part.values()) - by_part["total"] == pytest.approx(by_part["total"])
    payload, per_client = interest_bytes.small(ticks=3, seed=2)
    assert payload > 0 and per_client > 0
