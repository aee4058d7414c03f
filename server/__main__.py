"""``python -m server``: run a Tickwire server (see ``--help``)."""

from __future__ import annotations

import asyncio
import gc
import socket
import sys
from collections.abc import Mapping

from aiohttp import web

from server.app import CLUSTER, build_app
from server.cluster.node import public_url_of
from server.cluster.nodes import ClusterMismatch
from server.cluster.peers import origin_of
from server.cluster.workers import Supervisor, worker_argv
from server.config import ServerConfig
from server.events.outbox import OutboxInUse
from server.games import GAMES
from server.games.base import Game
from server.logs import configure_logging

SHUTDOWN_SECONDS = 5.0  # how long connections get to close after SIGTERM/SIGINT
GC_THRESHOLDS = (20_000, 20, 50)


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it is installed (it saves 15-25% CPU), else asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def main(argv: list[str] | None = None, games: Mapping[str, type[Game]] = GAMES,
         prog: str = "python -m server") -> None:
    """Parse flags and environment, then serve until interrupted.

    :param argv: command-line flags (default: ``sys.argv[1:]``).
    :param games: the games rooms may run, by name (default: ``server.games.GAMES``).
    :param prog: the command's name in ``--help``.
    """
    flags = sys.argv[1:] if argv is None else list(argv)
    config = ServerConfig.from_sources(flags, prog=prog)
    configure_logging(config.log_format)
    if config.worker_count:
        sys.exit(supervise(config, flags))
    app = build_app(config, games)
    # Long-lived objects out of the collector's way, and fewer young-generation passes:
    # each tick allocates many short-lived, acyclic containers that refcounting frees.
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        web.run_app(app, host=config.host, port=config.port, access_log=None,
                    reuse_port=config.reuse_port or None, sock=_extra_sockets(config),
                    print=lambda _: print(f"Tickwire listening on http://{config.host}:"
                                          f"{config.port}", flush=True),
                    shutdown_timeout=SHUTDOWN_SECONDS, loop=new_event_loop())
        if CLUSTER in app and (late_refusal := app[CLUSTER].refusal) is not None:
            raise late_refusal  # it started degraded and stopped when Redis refused it
    except ClusterMismatch as refusal:
        print(f"Tickwire cannot join the cluster: {refusal}", file=sys.stderr, flush=True)
        sys.exit(2)
    except OutboxInUse as refusal:
        print(f"Tickwire cannot start: {refusal}", file=sys.stderr, flush=True)
        sys.exit(2)
    print("Tickwire stopped", flush=True)


def supervise(config: ServerConfig, flags: list[str]) -> int:
    """Run ``config.worker_count`` node processes sharing ``config.port`` (see
    ``server.cluster.workers``); each also accepts pages served by the shared port."""
    shared = public_url_of(config)
    cors = ",".join(filter(None, [config.cors_origins, origin_of(shared)]))
    worker_flags = [*flags, "--cors-origins", cors] if config.cors_origins.strip() != "*" else flags
    supervisor = Supervisor(
        lambda index, generation: worker_argv(worker_flags, index, generation, config.host,
                                              config.port, config.public_url, config.data_dir),
        config.worker_count)
    print(f"Tickwire supervising {config.worker_count} workers on http://{config.host}:"
          f"{config.port}", flush=True)
    return asyncio.run(supervisor.run())


def _extra_sockets(config: ServerConfig) -> list[socket.socket] | None:
    """A worker's own port (``--extra-port``), beside the shared one."""
    if not config.extra_port:
        return None
    own = socket.socket(socket.AF_INET6 if ":" in config.host else socket.AF_INET)
    own.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    own.bind((config.host, config.extra_port))
    return [own]


if __name__ == "__main__":
    main(sys.argv[1:])
