"""``pip install .`` gives a working server: the wheel carries the built browser client, and
``tickwire serve`` from a fresh virtual environment (no Node.js on its PATH, outside the
checkout) serves the game and the monitor, and a bot plays a room on it."""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.helpers import ROOT, free_port

pytestmark = pytest.mark.timeout(600)


async def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None,
              seconds: float = 300) -> str:
    """Run ``command``; its output (fails the test when it exits non-zero)."""
    process = await asyncio.create_subprocess_exec(
        *map(str, command), cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), seconds)
    text = output.decode(errors="replace")
    assert process.returncode == 0, f"{command} failed:\n{text[-3000:]}"
    return text


async def test_the_wheel_installs_a_server_that_serves_the_game_without_node(tmp_path):
    wheels = tmp_path / "wheels"
    await run(sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "-q", "-w", wheels,
              cwd=tmp_path)
    [wheel] = wheels.glob("tickwire-*.whl")
    venv = tmp_path / "venv"
    await run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    await run(venv / "bin" / "python", "-m", "pip", "install", "-q", wheel, cwd=tmp_path)
    port = free_port()
    env = {"PATH": str(venv / "bin"), "HOME": str(tmp_path)}  # no checkout in sight
    assert shutil.which("node", path=env["PATH"]) is None
    server = await asyncio.create_subprocess_exec(
        venv / "bin" / "tickwire", "serve", "--port", str(port), "--admin-token", "t0k3n",
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        assert server.stdout is not None
        async with asyncio.timeout(30):
            while b"listening" not in (line := await server.stdout.readline()):
                assert line, "tickwire serve exited before listening"
        url = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            async with http.get(url + "/") as page:
                html = await page.text()
                assert page.status == 200 and "/static/app.js?v=" in html
            async with http.get(url + "/static/app.js") as bundle:
                assert bundle.status == 200 and len(await bundle.read()) > 10_000
            async with http.get(url + "/monitor") as monitor:
                assert monitor.status == 200 and "/static/monitor.js?v=" in await monitor.text()
        bots = await run(venv / "bin" / "python", "-m", "client.bots", "--url", url, "--rooms",
                         "1", "--per-room", "2", "--duration", "2", cwd=tmp_path, env=env,
                         seconds=60)
        assert "bots 2/2 connected, 0 failed, 0 lost sync" in bots
    finally:
        server.send_signal(signal.SIGTERM)
        await asyncio.wait_for(server.wait(), 20)
    assert server.returncode == 0
