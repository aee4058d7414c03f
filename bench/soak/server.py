"""The server under soak: a fresh ``python -m server`` process, or a running one attached to.

A started server's output is read by a thread that counts its bytes and keeps the last lines
(a log flood shows up as bytes, without filling a disk).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path

from bench.procs import free_port, rss_mb, stop, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
TAIL_LINES = 40


class OutputCounter(threading.Thread):
    """Reads a process's output to the end: bytes, lines, the last ``TAIL_LINES`` lines."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        super().__init__(daemon=True)
        self.process = process
        self.bytes = 0
        self.lines = 0
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)

    def run(self) -> None:
        """Count until the process closes its output."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.bytes += len(line)
            self.lines += 1
            self.tail.append(line.decode(errors="replace").rstrip())


class SoakServer:
    """The server's URL and process id, and its process and output when the soak started it.

    Use ``SoakServer.start`` or ``SoakServer.attach``.
    """

    def __init__(self, url: str, pid: int, process: subprocess.Popen[bytes] | None = None,
                 output: OutputCounter | None = None) -> None:
        self.url = url
        self.pid = pid
        self.process = process
        self.output = output
        self.cpu: int | None = None  # the CPU it runs on alone, once pinned

    @classmethod
    def start(cls, seat_grace: float, flags: list[str]) -> SoakServer:
        """A fresh server on a free loopback port, in a session of its own (a Ctrl-C reaches
        the soak, which stops the server itself)."""
        port = free_port()
        argv = [sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", str(port),
                "--web-root", "", "--data-dir", "", "--seat-grace", str(seat_grace), *flags]
        process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        output = OutputCounter(process)
        output.start()
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(f"{url}/healthz", process)
        except RuntimeError as error:
            stop(process)
            output.join(5)
            raise RuntimeError(f"{error}\n" + "\n".join(output.tail)) from None
        return cls(url, process.pid, process, output)

    @classmethod
    def attach(cls, url: str, pid: int) -> SoakServer:
        """A running server at ``url`` whose process is ``pid`` (for its RSS)."""
        rss_mb(pid)  # fails now, rather than later, if there is no such process
        return cls(url.rstrip("/"), pid)

    def pin(self, cpu: int) -> None:
        """Run every thread of the server on CPU ``cpu`` only."""
        for thread in Path(f"/proc/{self.pid}/task").iterdir():
            os.sched_setaffinity(int(thread.name), {cpu})
        self.cpu = cpu

    def alive(self) -> bool:
        """Whether the server process is still there."""
        if self.process is not None:
            return self.process.poll() is None
        return Path(f"/proc/{self.pid}").exists()

    def rss_mb(self) -> float | None:
        """Resident memory now, None if the process is gone."""
        try:
            return rss_mb(self.pid)
        except OSError:
            return None

    def stop(self) -> None:
        """Stop a started server (SIGTERM, then SIGKILL); leave an attached one alone."""
        if self.process is not None:
            stop(self.process)
        if self.output is not None:
            self.output.join(5)

