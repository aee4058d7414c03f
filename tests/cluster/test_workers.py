"""The ``--workers`` supervisor with stand-in workers: a shared SO_REUSEPORT port plus one port
per worker, restart of a worker that dies, and SIGTERM reaching every worker."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from server.cluster.workers import Supervisor, worker_argv
from tests.cluster.helpers import free_port_run, json_when_up


async def start_supervisor(count: int, port: int, markers: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.cluster.supervise_standins", str(count), str(port),
        str(markers), stderr=asyncio.subprocess.PIPE)


async def whoami(port: int, wait: float = 10.0) -> dict[str, Any]:
    """What the worker behind ``port`` says about itself (waiting for it to listen)."""
    return await json_when_up(f"http://127.0.0.1:{port}/", wait)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_workers_share_the_port_and_a_dead_worker_is_restarted(tmp_path: Path) -> None:
    port = free_port_run(3)
    supervisor = await start_supervisor(2, port, tmp_path)
    try:
        first = [await whoami(port + 1 + index) for index in range(2)]
        assert [worker["index"] for worker in first] == [0, 1]
        assert {(await whoami(port))["index"] for _ in range(20)} == {0, 1}

        os.kill(first[0]["pid"], signal.SIGKILL)
        deadline = time.monotonic() + 5.0
        while (again := await whoami(port + 1))["pid"] == first[0]["pid"]:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        assert again["index"] == 0
        assert (await whoami(port + 2))["pid"] == first[1]["pid"]
    finally:
        supervisor.send_signal(signal.SIGTERM)
        _, stderr = await supervisor.communicate()
    log = stderr.decode()
    assert f"worker 0 (pid {first[0]['pid']}) was killed by SIGKILL" in log
    assert "worker 1 (pid" not in log  # only the dead one was restarted


async def test_sigterm_reaches_every_worker_and_the_supervisor_exits(tmp_path: Path) -> None:
    port = free_port_run(4)
    supervisor = await start_supervisor(3, port, tmp_path)
    pids = [(await whoami(port + 1 + index))["pid"] for index in range(3)]
    supervisor.send_signal(signal.SIGTERM)
    async with asyncio.timeout(10.0):
        _, stderr = await supervisor.communicate()
    assert supervisor.returncode == 0, stderr.decode()
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        f"stopped-{pid}" for pid in pids)  # each stopped gracefully, on SIGTERM
    assert not any(alive(pid) for pid in pids)
    assert "restarting" not in stderr.decode()


async def test_workers_that_ignore_sigterm_are_killed_after_the_timeout(
        tmp_path: Path) -> None:
    stubborn = ("import pathlib, signal, sys, time; signal.signal(signal.SIGTERM, "
                "signal.SIG_IGN); pathlib.Path(sys.argv[1]).touch(); time.sleep(60)")
    supervisor = Supervisor(
        lambda index, generation: [sys.executable, "-c", stubborn, str(tmp_path / str(index))],
        count=2, stop_timeout=0.5)
    running = asyncio.create_task(supervisor.run())
    while len(list(tmp_path.iterdir())) < 2:  # both ignore SIGTERM from here on
        await asyncio.sleep(0.01)
    supervisor.stop()
    async with asyncio.timeout(5.0):
        assert await running == 0
    assert [worker.process.returncode for worker in supervisor.workers] == [-9, -9]


async def test_a_worker_that_refuses_to_start_stops_the_supervisor_with_its_status(
        tmp_path: Path) -> None:
    refuses = "import sys, time; sys.exit(2) if sys.argv[1] == '1' else time.sleep(30)"
    supervisor = Supervisor(lambda index, generation: [sys.executable, "-c", refuses, str(index)],
                            count=2)
    async with asyncio.timeout(5.0):
        assert await supervisor.run() == 2
    assert [worker.generation for worker in supervisor.workers] == [0, 0]  # none restarted
    assert [worker.process.returncode for worker in supervisor.workers] == [-15, 2]


def test_worker_command_lines_give_each_worker_its_own_port_url_and_id() -> None:
    flags = ["--redis-url", "redis://r:6379/0", "--port", "8000"]
    argv = worker_argv(flags, index=2, generation=5, host="0.0.0.0", port=8000,
                       public_url="https://play.example.com:8000")
    assert argv[:3] == [sys.executable, "-m", "server"]
    assert argv[3:7] == flags
    assert argv[7:] == ["--workers", "0", "--reuse-port", "--extra-port", "8003",
                        "--public-url", "https://play.example.com:8003",
                        "--node-id", f"{socket.gethostname()}:8003#5", "--data-dir", ""]
    assert worker_argv([], 0, 0, "0.0.0.0", 9000)[-5] == f"http://{socket.gethostname()}:9001"
    assert worker_argv([], 1, 0, "10.1.2.3", 9000)[-5] == "http://10.1.2.3:9002"
    assert worker_argv([], 1, 3, "10.1.2.3", 9000, data_dir="/var/tw")[-1] == "/var/tw/worker-1"
    with pytest.raises(ValueError):
        Supervisor(lambda index, generation: [], count=0)
