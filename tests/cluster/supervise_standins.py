"""Runs a ``Supervisor`` over stand-in workers, as ``python -m server --workers N`` will.

``python -m tests.cluster.supervise_standins COUNT SHARED_PORT MARKER_DIR``
"""

from __future__ import annotations

import asyncio
import logging
import sys

from server.cluster.workers import Supervisor


def main(count: int, shared_port: int, markers: str) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    def command(index: int, generation: int) -> list[str]:
        return [sys.executable, "-m", "tests.cluster.worker_standin", str(index),
                str(shared_port), str(shared_port + 1 + index), markers]

    return asyncio.run(Supervisor(command, count, stop_timeout=5.0).run())


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
