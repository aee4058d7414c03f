"""``python -m server``: run a Tickwire server (see ``--help``)."""

from __future__ import annotations

import asyncio
import logging
import sys

from aiohttp import web

from server.app import build_app
from server.config import ServerConfig


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it is installed (it saves 15-25% CPU), else asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def main(argv: list[str] | None = None) -> None:
    """Parse flags and environment, then serve until interrupted."""
    config = ServerConfig.from_sources(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = build_app(config)
    print(f"Tickwire listening on http://{config.host}:{config.port}", flush=True)
    web.run_app(app, host=config.host, port=config.port, print=None, access_log=None,
                loop=new_event_loop())


if __name__ == "__main__":
    main(sys.argv[1:])
