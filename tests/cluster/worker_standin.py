"""A stand-in worker for supervisor tests: a tiny aiohttp app that shares a port with its
siblings through SO_REUSEPORT and listens on a port of its own, like a Tickwire worker.

``python -m tests.cluster.worker_standin INDEX SHARED_PORT OWN_PORT MARKER_DIR``; ``GET /``
answers ``{"index": INDEX, "pid": PID}``; a graceful stop (SIGTERM) leaves the file
``MARKER_DIR/stopped-PID``.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from aiohttp import web


def main(index: int, shared_port: int, own_port: int, markers: Path) -> None:
    async def whoami(request: web.Request) -> web.Response:
        return web.json_response({"index": index, "pid": os.getpid()})

    async def stopped(app: web.Application) -> None:
        (markers / f"stopped-{os.getpid()}").write_text(str(index))

    app = web.Application()
    app.router.add_get("/", whoami)
    app.on_shutdown.append(stopped)
    own = socket.socket()
    own.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    own.bind(("127.0.0.1", own_port))
    web.run_app(app, host="127.0.0.1", port=shared_port, reuse_port=True, sock=[own],
                print=None, handle_signals=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
