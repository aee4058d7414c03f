"""``python -m server --workers 2 --redis-url ...`` end to end: one URL, bots play across the
workers (following redirects to each worker's own port), SIGTERM stops every worker cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import Any

from tests.cluster.helpers import REDIS_URL, free_port_run, json_when_up
from tests.cluster.servers import ROOT


async def health(port: int, wait: float = 20.0) -> dict[str, Any]:
    """``/healthz`` of whatever listens on ``port``, waiting for it to listen."""
    return await json_when_up(f"http://127.0.0.1:{port}/healthz", wait)


async def test_two_workers_serve_one_url_bots_play_and_sigterm_stops_them_all(
        prefix: str) -> None:
    port = free_port_run(3)
    supervisor = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server", "--workers", "2", "--port", str(port),
        "--redis-url", REDIS_URL, "--redis-prefix", prefix, cwd=ROOT,
        env={**os.environ, "TICKWIRE_WEB_ROOT": "", "TICKWIRE_DATA_DIR": ""},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        nodes = {(await health(port + 1 + index))["node"] for index in range(2)}
        assert len(nodes) == 2
        bots = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "client.bots", "--url", f"http://127.0.0.1:{port}",
            "--rooms", "3", "--per-room", "3", "--duration", "2", cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        played, _ = await asyncio.wait_for(bots.communicate(), 60)
        assert bots.returncode == 0, played.decode()
        assert "bots 9/9 connected, 0 failed, 0 lost sync" in played.decode()
    finally:
        supervisor.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(supervisor.communicate(), 20)
    text = output.decode()
    assert supervisor.returncode == 0, text
    assert text.count("Tickwire stopped") == 2, text
    assert "Traceback" not in text and "restarting" not in text, text
