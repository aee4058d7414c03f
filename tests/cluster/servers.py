"""Real Tickwire node processes (``python -m server --redis-url ...``) for cluster tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from client import TickwireClient
from tests.cluster.helpers import REDIS_URL, forget_prefix
from tests.helpers import admin_call, free_port

ROOT = Path(__file__).parents[2]
ADMIN_TOKEN = "admin-" + secrets.token_hex(8)
START_SECONDS = 20.0
STOP_SECONDS = 10.0  # SIGTERM: 5 s for connections to close, then the cleanup


@dataclass
class NodeServer:
    """One node process: its id, its URL, its output once stopped."""

    node_id: str
    port: int
    process: asyncio.subprocess.Process
    output: list[str] = field(default_factory=list)
    drain: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def health(self) -> dict[str, Any]:
        async with aiohttp.ClientSession() as http, http.get(self.url + "/healthz") as answer:
            return await answer.json()

    async def admin(self, action: str, body: dict[str, Any],
                    token: str = ADMIN_TOKEN) -> tuple[int, Any]:
        """POST ``/api/admin/<action>``: the status and the body (JSON when it is)."""
        return await admin_call(self.url, "POST", f"/api/admin/{action}", body, token)

    async def admin_get(self, path: str, token: str = ADMIN_TOKEN) -> tuple[int, Any]:
        """GET ``path`` of the admin API: the status and the body."""
        return await admin_call(self.url, "GET", path, token=token)

    async def stop(self, sig: int = signal.SIGTERM) -> str:
        """Signal the process, wait for it (``STOP_SECONDS`` at most, then it is killed and
        the test fails with its output) and return everything it printed."""
        if self.process.returncode is None:
            self.process.send_signal(sig)
        timed_out = False
        try:
            async with asyncio.timeout(STOP_SECONDS):
                await self.process.wait()
        except TimeoutError:
            timed_out = True
            self.process.kill()
            await self.process.wait()
        if self.drain is not None:
            await self.drain
        output = "".join(self.output)
        assert not timed_out, (f"node {self.node_id} did not exit within {STOP_SECONDS} s of "
                               f"signal {sig}; its output:\n" + output[-4000:])
        return output


async def start_node(prefix: str, node_id: str, *flags: str, redis_url: str = REDIS_URL,
                     port: int = 0, wait: bool = True, web_root: str = "") -> NodeServer:
    """A node on a free loopback port in the cluster of ``redis_url`` + ``prefix``, serving
    the browser client from ``web_root`` (none by default); returns once it listens (or, with
    ``wait=False``, at once)."""
    port = port or free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server", "--port", str(port), "--redis-url", redis_url,
        "--redis-prefix", prefix, "--public-url", f"http://127.0.0.1:{port}",
        "--node-id", node_id, "--admin-token", ADMIN_TOKEN, "--empty-room-grace", "2",
        "--max-rooms-per-address", "1000", "--max-load-per-address", "100000000",  # one address
        "--max-load", "100000000",  # and many rooms made at once
        *flags, cwd=ROOT,
        env={**os.environ, "TICKWIRE_WEB_ROOT": web_root, "TICKWIRE_DATA_DIR": ""},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    node = NodeServer(node_id, port, process)
    if wait:
        await until_listening(node)
    else:
        node.drain = asyncio.get_running_loop().create_task(_drain(node))
    return node


async def until_listening(node: NodeServer) -> None:
    assert node.process.stdout is not None
    lines = []
    async with asyncio.timeout(START_SECONDS):
        while b"listening" not in (line := await node.process.stdout.readline()):
            assert line, "the node exited before listening:\n" + b"".join(lines).decode()
            lines.append(line)
    node.output.append(b"".join(lines).decode())
    node.drain = asyncio.get_running_loop().create_task(_drain(node))


async def _drain(node: NodeServer) -> None:
    """Keep reading the node's output so it never blocks on a full pipe."""
    assert node.process.stdout is not None
    while line := await node.process.stdout.readline():
        node.output.append(line.decode())


async def within(seconds: float, check: Any, every: float = 0.05) -> float:
    """Poll the async ``check()`` until it is truthy; the seconds it took (fails after
    ``seconds``)."""
    began = time.monotonic()
    while not await check():
        assert time.monotonic() - began < seconds, f"not within {seconds} s"
        await asyncio.sleep(every)
    return time.monotonic() - began


@contextlib.asynccontextmanager
async def running_nodes(count: int, name: str, *flags: str) -> AsyncIterator[list[NodeServer]]:
    """``count`` nodes (``name1``, ``name2``...) of a cluster under a fresh key prefix,
    started together; stopped (none may print a traceback) and their keys deleted after."""
    prefix = f"tw:test:{secrets.token_hex(6)}:"
    started = list(await asyncio.gather(*(start_node(prefix, f"{name}{index}", *flags)
                                          for index in range(1, count + 1))))
    try:
        yield started
    finally:
        outputs = [await node.stop() for node in started]
        await forget_prefix(prefix)
    for output in outputs:
        assert "Traceback" not in output, output


async def client_at(clients: list[TickwireClient], url: str, name: str) -> TickwireClient:
    """A client connected to ``url``, kept in ``clients`` (the fixture disconnects it)."""
    client = TickwireClient(name)
    clients.append(client)
    await client.connect(url)
    return client
