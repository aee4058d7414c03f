"""Builds the aiohttp application: Socket.IO server, lobby, gateway, health and web client."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from pathlib import Path

from aiohttp import web

from server.config import ServerConfig
from server.directory import MemoryDirectory
from server.fanout import OutboxLimits
from server.games import GAMES
from server.games.base import Game
from server.gateway import Gateway
from server.http_api import add_http_api
from server.lobby import Lobby
from server.metrics import EngineStats, Metrics, Occupancy
from server.transport import SocketDispatcher, TickwireServer
from shared.protocol import EVENTS

log = logging.getLogger(__name__)

GATEWAY = web.AppKey("gateway", Gateway)
LOBBY = web.AppKey("lobby", Lobby)
TRANSPORT_SLACK = 1024  # Engine.IO framing on top of the largest accepted event


def build_app(config: ServerConfig, games: Mapping[str, type[Game]] = GAMES
              ) -> web.Application:
    """A ready-to-run application for ``config``, offering ``games``."""
    stats = EngineStats()
    sio = TickwireServer(
        max_event_bytes=config.max_event_bytes,
        traffic=stats.traffic,
        outbox_limits=OutboxLimits(config.send_backlog_bytes, config.stuck_seconds),
        droppable_events=frozenset({EVENTS.state}),
        async_mode="aiohttp",
        async_handlers=False,
        max_http_buffer_size=config.max_event_bytes + TRANSPORT_SLACK,
        ping_interval=config.ping_interval,
        ping_timeout=config.ping_timeout,
        cors_allowed_origins=_origins(config.cors_origins),
    )
    dispatcher = SocketDispatcher(sio)
    node = f"{socket.gethostname()}:{os.getpid()}"
    lobby = Lobby(config, MemoryDirectory(), dispatcher, games, node, stats)
    gateway = Gateway(sio, lobby, config)
    metrics = Metrics(stats, Occupancy(
        rooms=lambda: len(lobby.rooms),
        players=lambda: sum(room.player_count for room in lobby.rooms.values()),
        spectators=lambda: sum(room.spectator_count for room in lobby.rooms.values()),
        connections=lambda: len(gateway.sessions),
    ))

    app = web.Application()
    app[LOBBY] = lobby
    app[GATEWAY] = gateway
    sio.attach(app)
    app.router.add_get("/healthz", _healthz)
    add_http_api(app, lobby)
    app.router.add_get("/metrics", metrics.handle)
    if config.web_root:
        _serve_web_client(app, Path(config.web_root))
    app.on_shutdown.append(_shut_down)
    return app


def _origins(setting: str) -> str | list[str] | None:
    """python-engineio's form of ``cors_origins``: None allows the server's own origin."""
    if setting.strip() == "*":
        return "*"
    origins = [origin.strip() for origin in setting.split(",") if origin.strip()]
    return origins or None


async def _healthz(request: web.Request) -> web.Response:
    lobby = request.app[LOBBY]
    gateway = request.app[GATEWAY]
    return web.json_response(
        {"status": "ok", "rooms": len(lobby.rooms), "connections": len(gateway.sessions)}
    )


def _serve_web_client(app: web.Application, root: Path) -> None:
    """The browser client: its page at ``/`` and ``/r/{code}`` (always revalidated, so a new
    build is picked up), its versioned bundle and stylesheet under ``/static/``."""
    index = root / "index.html"
    if not index.is_file():
        log.warning("no browser client at %s (run `make setup` to build it)", root)
        return

    async def page(request: web.Request) -> web.FileResponse:
        return web.FileResponse(index, headers={"Cache-Control": "no-cache"})

    app.router.add_get("/", page)
    app.router.add_get("/r/{code}", page)
    app.router.add_static("/static/", root)


async def _shut_down(app: web.Application) -> None:
    await app[GATEWAY].shutdown()
