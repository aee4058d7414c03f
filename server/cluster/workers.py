"""``--workers N``: N node processes on one machine, each with its own event loop, supervised.

Addressing: every worker listens on the public port (``--port``, shared through
``SO_REUSEPORT``: the kernel spreads new connections over the workers, and since the transport
is websocket-only one connection is one whole session) *and* on a port of its own,
``port + 1 + index``, which is its ``--public-url``. A player opens the one public URL; when
its room lives on another worker, the redirect names that worker's own port. Behind a proxy,
route ``/`` to the public port and each worker's own port to a path or host of its own, and
give each worker that address as public URL.

Supervision: a worker that exits while the supervisor runs is logged (exit code or signal,
how long it ran) and started again, after 0.5 s doubling to 30 s while it keeps dying within
10 s of its start; one that exits with status 2 (it may not run: a cluster of another version or
secret, an outbox another process holds) is not restarted but stops the supervisor, which
then exits 2 too. Each start gets a new node id (``host:port#generation``), so a restarted
worker registers at once and the dead one's rooms leave the directory by their TTL. SIGTERM
or SIGINT to the supervisor is passed to every worker as SIGTERM; the supervisor exits once
they all have (any still running after ``stop_timeout`` seconds are killed).

A worker is ``python -m server`` with the supervisor's own flags followed by per-worker ones
(``worker_argv``; later flags win): ``--workers 0 --reuse-port --extra-port P --public-url U
--node-id ID``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger(__name__)

FIRST_RESTART_DELAY = 0.5
MAX_RESTART_DELAY = 30.0
QUICK_DEATH_SECONDS = 10.0  # a worker dying sooner than this after its start backs off
REFUSED_STATUS = 2  # ``python -m server`` could not start as configured: restarting cannot help
STOP_TIMEOUT = 10.0

Command = Callable[[int, int], Sequence[str]]  # (index, generation) -> argv


def worker_argv(flags: Sequence[str], index: int, generation: int, host: str, port: int,
                public_url: str = "", data_dir: str = "") -> list[str]:
    """The command line of worker ``index`` (its ``generation``-th start).

    :param flags: the supervisor's own flags (they reach every worker).
    :param host: the interface the supervisor was told to listen on.
    :param port: the public port shared by all workers.
    :param public_url: the cluster's public URL (``http://host:port``); each worker's is the
        same with its own port. Empty: ``http://<host>:<own port>``, with the machine's name
        for an any-address host.
    :param data_dir: the supervisor's data directory; each worker keeps its event outbox and
        match history in ``worker-<index>`` under it (a restarted worker finds its own again).
        Empty: in memory.
    """
    own_port = port + 1 + index
    return [sys.executable, "-m", "server", *flags, "--workers", "0", "--reuse-port",
            "--extra-port", str(own_port), "--public-url", _with_port(public_url, host, own_port),
            "--node-id", f"{socket.gethostname()}:{own_port}#{generation}",
            "--data-dir", os.path.join(data_dir, f"worker-{index}") if data_dir else ""]


def _with_port(public_url: str, host: str, port: int) -> str:
    if not public_url:
        name = socket.gethostname() if host in ("", "0.0.0.0", "::") else host
        return f"http://{name}:{port}"
    parts = urlsplit(public_url)
    return urlunsplit(parts._replace(netloc=f"{parts.hostname}:{port}"))


@dataclass(slots=True)
class _Worker:
    process: asyncio.subprocess.Process
    started: float
    generation: int


class Supervisor:
    """Runs ``count`` workers and keeps them running until told to stop.

    :param command: gives the argv of worker ``index`` at its ``generation``-th start.
    :param count: how many workers.
    :param stop_timeout: seconds workers get to exit after SIGTERM; default 10.
    """

    def __init__(self, command: Command, count: int, stop_timeout: float = STOP_TIMEOUT) -> None:
        if count < 1:
            raise ValueError("a supervisor needs at least one worker")
        self.command = command
        self.count = count
        self.stop_timeout = stop_timeout
        self.workers: list[_Worker] = []
        self._stopping = asyncio.Event()
        self._status = 0

    def stop(self) -> None:
        """Ask every worker to stop, then return from ``run``."""
        self._stopping.set()

    async def run(self) -> int:
        """Start the workers, restart any that dies, and stop them all on SIGTERM/SIGINT
        (or ``stop``). Returns the supervisor's exit status: 0, or 2 when a worker refused to
        start."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        try:
            self.workers = [await self._spawn(index, 0) for index in range(self.count)]
            keepers = [asyncio.create_task(self._keep(index)) for index in range(self.count)]
            await self._stopping.wait()
            for keeper in keepers:
                keeper.cancel()
            await asyncio.gather(*keepers, return_exceptions=True)
            await self._stop_all()
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        return self._status

    async def _spawn(self, index: int, generation: int) -> _Worker:
        process = await asyncio.create_subprocess_exec(*self.command(index, generation))
        log.info("worker %d started (pid %d)", index, process.pid)
        return _Worker(process, asyncio.get_running_loop().time(), generation)

    async def _keep(self, index: int) -> None:
        loop = asyncio.get_running_loop()
        delay = FIRST_RESTART_DELAY
        while True:
            worker = self.workers[index]
            status = await worker.process.wait()
            await asyncio.sleep(0)  # a SIGINT to the whole process group: let stop() run first
            if self._stopping.is_set():
                return
            ran = loop.time() - worker.started
            if status == REFUSED_STATUS:
                log.error("worker %d (pid %d) refused to start; stopping every worker", index,
                          worker.process.pid)
                self._status = REFUSED_STATUS
                self.stop()
                return
            log.error("worker %d (pid %d) %s after %.1f s; restarting", index,
                      worker.process.pid, _describe(status), ran)
            delay = FIRST_RESTART_DELAY if ran >= QUICK_DEATH_SECONDS else delay
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RESTART_DELAY)
            self.workers[index] = await self._spawn(index, worker.generation + 1)

    async def _stop_all(self) -> None:
        running = [w.process for w in self.workers if w.process.returncode is None]
        log.info("stopping %d workers", len(running))
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(self.stop_timeout):
                await asyncio.gather(*(process.wait() for process in running))
        except TimeoutError:
            for process in running:
                if process.returncode is None:
                    log.error("worker pid %d ignored SIGTERM; killing it", process.pid)
                    process.kill()
            await asyncio.gather(*(process.wait() for process in running))


def _describe(status: int) -> str:
    if status < 0:
        return f"was killed by {signal.Signals(-status).name}"
    return f"exited with status {status}"
