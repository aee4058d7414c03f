"""The two commands people run: the server and the bots."""

from __future__ import annotations

import asyncio
import json
import signal
import sys

import aiohttp
import pytest

from client import TickwireClient
from tests.helpers import ROOT, free_port, start_server


async def stop(process: asyncio.subprocess.Process) -> bytes:
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
    output, _ = await asyncio.wait_for(process.communicate(), timeout=20)
    return output


async def healthz(port: int) -> int:
    async with aiohttp.ClientSession() as http:
        for _ in range(100):
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    return response.status
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
    raise AssertionError("server never answered")


async def test_server_command_takes_flags_and_environment():
    port = free_port()
    process = await start_server("--host", "127.0.0.1", "--tick-rate", "30",
                                 env={"TICKWIRE_PORT": str(port)})
    try:
        assert await healthz(port) == 200
    finally:
        await stop(process)


@pytest.mark.parametrize("game", ["arena", "arena-large"])
async def test_bots_command_plays_and_prints_a_summary(game):
    port = free_port()
    server = await start_server("--port", str(port))
    try:
        bots = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "client.bots", "--url", f"http://127.0.0.1:{port}",
            "--rooms", "2", "--per-room", "3", "--duration", "2", "--game", game, cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(bots.communicate(), timeout=60)
    finally:
        await stop(server)
    text = output.decode()
    summary = [line for line in text.splitlines() if line.startswith("summary:")]
    assert bots.returncode == 0, text
    assert "bots 6/6 connected, 0 failed, 0 lost sync" in summary[0]
    assert "inputs/s" in text and "rtt p50" in text


async def test_bots_command_fails_when_it_cannot_connect():
    bots = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "client.bots", "--url", f"http://127.0.0.1:{free_port()}",
        "--rooms", "1", "--per-room", "2", "--duration", "1", cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(bots.communicate(), timeout=60)
    assert bots.returncode == 1
    assert b"0/2 connected" in output


async def test_server_reads_a_toml_file_and_writes_json_log_lines(tmp_path):
    port = free_port()
    config = tmp_path / "tickwire.toml"
    config.write_text(f'port = {port}\nlog_format = "json"\n')
    process = await start_server("--config", str(config), "--max-rooms", "5")
    try:
        client = TickwireClient("logged")
        await client.connect(f"http://127.0.0.1:{port}")
        seat = await client.create_room()
        await client.disconnect()
    finally:
        output = await stop(process)
    lines = [json.loads(line) for line in output.decode().splitlines() if line.startswith("{")]
    created = next(line for line in lines if line["message"].endswith("created"))
    assert created["room_id"] == seat.room["id"] and created["level"] == "INFO"
    assert all(line["node"] for line in lines)
