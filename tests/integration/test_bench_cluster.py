"""The benchmark's cluster shape on real processes: a private redis-server counted through
``INFO commandstats``, a tiny run on two real nodes whose Node clients follow ``moved``, and
one on the cluster's control, two servers that are no cluster."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from bench.measure import Timing, run_one
from bench.redis_probe import PrivateRedis, command_deltas, window_figures
from bench.shapes import Shape
from bench.systems import SYSTEMS


@pytest.fixture
def private_redis(tmp_path: Path):
    server = PrivateRedis(tmp_path / "redis.log", cpu=0)
    yield server
    server.stop()


def test_commandstats_count_what_scripts_run_inside_and_leave_out_the_harness(private_redis):
    other = redis.Redis(port=private_redis.port)
    other.ping()  # this connection's handshake happens before the window
    start = private_redis.sample()
    for value in range(3):
        other.set("key", value)
    other.eval("redis.call('incr', KEYS[1]); return redis.call('get', KEYS[1])", 1, "count")
    end = private_redis.sample()
    other.close()
    assert command_deltas(start, end) == {"set": 3, "eval": 1, "get": 1, "incr": 1}
    figures = window_figures(start, end, rooms=2)
    seconds = end.at - start.at
    assert figures["redis_commands_per_s"] == round(6 / seconds, 1)
    assert figures["redis_commands_per_room_s"] == round(6 / seconds / 2, 3)
    assert list(figures["redis_commands"]) == ["set", "eval", "get", "incr"]


@pytest.mark.usefixtures("bench_node_modules")
def test_two_clients_on_two_nodes_share_one_room_through_a_redirect(tmp_path):
    # client k connects to node k mod 2 and quick-joins a room of 2: whichever node the room
    # lives on, one of the two is answered `moved` and must follow it to play there
    shape = Shape("tiny", clients=2, players=2, npcs=4)
    run = run_one(SYSTEMS["tickwire-cluster"], shape, 2, Timing(0.5, 1.5), logs=tmp_path)
    assert "error" not in run, run
    assert run["system"] == "tickwire-cluster"
    assert run["clients"] == 2 and run["connect_errors"] == 0 and run["disconnects"] == 0
    assert run["rooms"] == 1
    assert run["redirects"] >= 1
    assert run["msgs_per_client_s_min"] >= 15
    assert run["lat_samples"] > 0 and run["lat_p99_ms"] < 200
    assert run["server_cpu_ms_per_client_s"] > 0
    # the nodes' heartbeats at least, and the joins' atomic steps
    assert run["redis_commands_per_s"] > 0 and run["redis_commands"]["evalsha"] > 0
    assert run["redis_commands_per_join"] > 0 and run["redis_join_commands"]["evalsha"] > 0
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "tickwire-cluster-node1.log", "tickwire-cluster-node2.log", "tickwire-cluster-redis.log"]


@pytest.mark.usefixtures("bench_node_modules")
def test_the_clusters_control_is_two_servers_that_each_fill_whole_rooms(tmp_path):
    # tickwire-pair: the same two processes but no cluster, so a room's clients must arrive
    # together on one server: room k's clients go to server k mod 2, and nobody is redirected
    shape = Shape("tiny", clients=4, players=2, npcs=4)
    run = run_one(SYSTEMS["tickwire-pair"], shape, 4, Timing(0.5, 1.5), logs=tmp_path)
    assert "error" not in run, run
    assert run["clients"] == 4 and run["connect_errors"] == 0 and run["disconnects"] == 0
    assert run["rooms"] == 2 and run["redirects"] == 0
    assert run["msgs_per_client_s_min"] >= 15
    assert run.get("redis_commands_per_s") is None
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "tickwire-pair-node1.log", "tickwire-pair-node2.log"]
