"""The benchmark's server, started as the harness starts it, serves the bench games (S4's
large one with interest management); the plain server does not."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator

import pytest

from bench import procs
from bench.measure import ROOT, Timing, run_one
from bench.shapes import SHAPES
from bench.systems import SYSTEMS
from client import TickwireClient
from shared.games.arena import RULES
from tests.helpers import refusal

SHAPE = SHAPES["S2"]


@pytest.fixture
def bench_server_url() -> Iterator[str]:
    """The server command of ``make bench`` (``python -m bench.server ...``) on a free port."""
    port = procs.free_port()
    process = subprocess.Popen(SYSTEMS["tickwire"].command(port, SHAPE), cwd=ROOT,
                               env={**os.environ, "TICKWIRE_WEB_ROOT": "", "TICKWIRE_DATA_DIR": ""},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        procs.wait_until_serving(f"http://127.0.0.1:{port}/healthz", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        procs.stop(process)


@pytest.fixture
async def bench_clients(bench_server_url: str) -> AsyncIterator[list[TickwireClient]]:
    clients = [TickwireClient(f"bot{index}") for index in range(2)]
    for client in clients:
        await client.connect(bench_server_url)
    yield clients
    for client in clients:
        await client.disconnect()


async def test_loadgen_quick_join_lands_in_one_running_bench_room(bench_clients):
    first, second = bench_clients
    request = {"game": "bench", "settings": {"npcs": SHAPE.npcs}, "max_players": SHAPE.players}
    opened = await first.quick_join(**request)
    joined = await second.quick_join(**request)
    assert joined.room["id"] == opened.room["id"]
    assert opened.room["game"] == "bench" and opened.room["started"]
    assert opened.room["settings"] == {"npcs": SHAPE.npcs}
    start = (await first.wait_until(lambda mirror: mirror.me() is not None)).me()
    direction = 1.0 if start["x"] < RULES.world / 2 else -1.0
    await first.send_input(dx=direction, dy=0.0, aim=0.0, fire=False)
    mirror = await first.wait_until(
        lambda mirror: (mirror.me()["x"] - start["x"]) * direction >= 10)
    kinds = [entity["kind"] for entity in mirror.view().values()]
    assert kinds.count(RULES.kinds["ship"]) == 2
    assert kinds.count(RULES.kinds["drone"]) == SHAPE.npcs


async def test_s4_quick_join_lands_in_a_large_room_that_sends_only_what_is_near(bench_clients):
    first, second = bench_clients
    s4 = SHAPES["S4"]
    request = {"game": s4.game, "settings": {"npcs": s4.npcs}, "max_players": s4.players}
    opened = await first.quick_join(**request)
    joined = await second.quick_join(**request)
    assert joined.room["id"] == opened.room["id"] and opened.room["started"]
    await first.send_input(dx=1.0, dy=0.0, aim=0.0, fire=False)
    mirror = await first.wait_until(lambda mirror: mirror.ack == 1 and mirror.me() is not None)
    assert mirror.interest
    drones = [e for e in mirror.view().values() if e["kind"] == RULES.kinds["drone"]]
    assert 0 < len(drones) < s4.npcs / 2  # a 3 x 3 block of 10 x 10 cells, give or take


async def test_the_plain_server_offers_no_bench_game(connect):
    client = await connect("player")
    assert (await refusal(client.quick_join(game="bench"))).code == "unknown_game"


def test_bench_command_help():
    done = subprocess.run([sys.executable, "-m", "bench", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "--shapes" in done.stdout


@pytest.mark.usefixtures("bench_node_modules")
def test_the_loadgen_plays_a_tiny_s4_and_follows_its_acks(tmp_path):
    s4 = SHAPES["S4"]
    shape = dataclasses.replace(s4, name="tiny S4", clients=4, players=4)
    run = run_one(SYSTEMS["tickwire"], shape, 4, Timing(0.5, 1.5), logs=tmp_path)
    assert "error" not in run, run
    assert run["clients"] == 4 and run["connect_errors"] == 0 and run["disconnects"] == 0
    assert run["rooms"] == 1 and run["msgs_per_client_s_min"] >= 15
    assert run["lat_samples"] > 0 and run["lat_p99_ms"] < 200  # interest acks are followed
    assert run["state_gaps"] == 0 and run["bytes_per_client_s"] > 0
