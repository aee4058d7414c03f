"""A TCP proxy that delays what it forwards, for playing through a bad network in tests.

Every chunk read from one side is written to the other ``delay`` seconds later, give or take
up to ``jitter`` (uniform), but never before the chunk read before it in the same direction:
a TCP stream is never reordered, so a late chunk holds back the ones behind it, as on a real
link. ``stall(seconds)`` holds one direction or both (what is in flight and what comes in)
for that long, then lets it all through at once. One direction is ``"up"`` (client to
server), the other ``"down"``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Coroutine, Iterable
from typing import Any, Literal

Direction = Literal["up", "down"]
DIRECTIONS: tuple[Direction, ...] = ("up", "down")
CHUNK = 65536


class LatencyProxy:
    """Listens on a loopback port and forwards every connection to ``target`` (host, port).

    :param delay: one-way delay in seconds, each direction (0.05 makes a 100 ms round trip).
    :param jitter: each chunk's delay varies by up to this much either way (seconds).
    :param seed: seeds the jitter, so runs repeat.
    """

    def __init__(self, target: tuple[str, int], delay: float = 0.0, jitter: float = 0.0,
                 seed: int | None = None) -> None:
        self.target = target
        self.delay = delay
        self.jitter = jitter
        self.rng = random.Random(seed)
        self.held_until: dict[Direction, float] = dict.fromkeys(DIRECTIONS, 0.0)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``: the target, reached through the proxy."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> LatencyProxy:
        """Start listening on a free loopback port."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        """Stop listening and cut every forwarded connection."""
        if self._server is not None:
            self._server.close()
        for writer in self._writers:
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def stall(self, seconds: float, directions: Iterable[Direction] = DIRECTIONS) -> None:
        """Hold ``directions`` (both by default) for ``seconds`` from now: nothing is
        delivered until then, then everything held goes at once, in order."""
        until = asyncio.get_running_loop().time() + seconds
        for direction in directions:
            self.held_until[direction] = max(self.held_until[direction], until)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _accept(self, client_reader: asyncio.StreamReader,
                      client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.close()
            return
        self._writers |= {client_writer, server_writer}
        self._spawn(self._forward(client_reader, server_writer, "up"))
        self._spawn(self._forward(server_reader, client_writer, "down"))

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       direction: Direction) -> None:
        """Read one side and queue each chunk, with the time it is due, for the other."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        self._spawn(self._deliver(queue, writer, direction))
        due = 0.0
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(CHUNK):
                spread = self.rng.uniform(-self.jitter, self.jitter) if self.jitter else 0.0
                due = max(due, loop.time() + max(0.0, self.delay + spread))
                queue.put_nowait((due, chunk))
        queue.put_nowait((due, b""))  # the end, after what is in flight

    async def _deliver(self, queue: asyncio.Queue[tuple[float, bytes]],
                       writer: asyncio.StreamWriter, direction: Direction) -> None:
        """Write each chunk when it is due and its direction is not held."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                due, chunk = await queue.get()
                while (wait := max(due, self.held_until[direction]) - loop.time()) > 0:
                    await asyncio.sleep(wait)
                if not chunk:
                    break
                writer.write(chunk)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
