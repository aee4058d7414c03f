"""Builds the aiohttp application: Socket.IO server, lobby, gateway, health and web client."""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from server.admin import add_admin
from server.admin.auth import Tickets
from server.budget import BudgetLimits, CpuMeter, RoomBudget
from server.cluster.bus import NodeFanout
from server.cluster.node import LISTING_INTERVAL, ClusterNode
from server.config import ServerConfig
from server.directory import MemoryDirectory, RoomDirectory
from server.events.service import EventService
from server.games import GAMES
from server.games.base import Game
from server.gateway import Gateway
from server.http_api import add_http_api
from server.lobby import Lobby
from server.logs import guard_libraries, library_logger, set_log_node
from server.metrics import EngineStats, Metrics, Occupancy
from server.net.addresses import AddressResolver, parse_networks
from server.net.connections import ConnectionLimits
from server.net.dispatcher import SocketDispatcher
from server.net.fanout import OutboxLimits
from server.net.socketio_server import TickwireServer
from server.seating import LocalSeating, Seating
from shared import compat
from shared.protocol import EVENTS

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# pages and their files: only this server's own scripts, styles and sockets, never framed
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self' {sockets}; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'; object-src 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

GATEWAY = web.AppKey("gateway", Gateway)
LOBBY = web.AppKey("lobby", Lobby)
CLUSTER = web.AppKey("cluster", ClusterNode)
EVENT_SERVICE = web.AppKey("events", EventService)
TRANSPORT_SLACK = 1024  # Engine.IO framing on top of the largest accepted event


def build_app(config: ServerConfig, games: Mapping[str, type[Game]] = GAMES
              ) -> web.Application:
    """A ready-to-run application for ``config``, offering ``games``."""
    compat.self_check()
    guard_libraries()
    stats = EngineStats()
    cluster = ClusterNode(config) if config.clustered else None
    origins = _origins(config.cors_origins)
    sio = TickwireServer(
        max_event_bytes=config.max_event_bytes,
        stats=stats,
        outbox_limits=OutboxLimits(config.send_backlog_bytes, config.stuck_seconds),
        connection_limits=_connection_limits(config),
        addresses=AddressResolver(parse_networks(config.trusted_proxies)),
        droppable_events=frozenset({EVENTS.state}),
        client_manager=cluster.bus if cluster else NodeFanout(),
        async_mode="aiohttp",
        async_handlers=False,
        max_http_buffer_size=config.max_event_bytes + TRANSPORT_SLACK,
        ping_interval=config.ping_interval,
        ping_timeout=config.ping_timeout,
        cors_allowed_origins=_cluster_origins(cluster, origins),
        logger=library_logger("tickwire.socketio"),
        engineio_logger=library_logger("tickwire.engineio"),
    )
    dispatcher = SocketDispatcher(sio)
    node = cluster.node_id if cluster else f"{socket.gethostname()}:{os.getpid()}"
    set_log_node(node)
    directory: RoomDirectory = cluster.directory if cluster else MemoryDirectory()
    budget = RoomBudget(BudgetLimits(
        max_load=config.max_load, max_load_per_address=config.max_load_per_address,
        max_room_load=config.max_room_load, busy_cpu=config.busy_cpu,
        max_rooms_per_address=config.max_rooms_per_address,
        max_client_tick_rate=config.max_client_tick_rate), CpuMeter())
    events = EventService(config, node, sio.addresses, cluster.public_url if cluster else "")
    if cluster is not None:
        cluster.registry.on_dead = events.node_lost
    lobby = Lobby(config, directory, dispatcher, games, node, stats, budget,
                  listing_interval=LISTING_INTERVAL if cluster else 0.0,
                  observer=events.producer)
    seating: Seating = cluster.seating(lobby) if cluster else LocalSeating(lobby)
    tickets = Tickets(config.admin_token)
    gateway = Gateway(sio, lobby, config, seating, tickets)
    occupancy = Occupancy(
        rooms=lambda: len(lobby.rooms),
        players=lambda: sum(room.player_count for room in lobby.rooms.values()),
        spectators=lambda: sum(room.spectator_count for room in lobby.rooms.values()),
        connections=lambda: len(sio.connections),
    )
    metrics = Metrics(stats, occupancy)
    metrics.registry.register(events)

    app = web.Application(middlewares=[_page_headers] if cluster is None else [
        _page_headers, cluster.peers.learn_origins])
    app[LOBBY] = lobby
    app[GATEWAY] = gateway
    app[EVENT_SERVICE] = events
    sio.attach(app)
    app.router.add_get("/healthz", _healthz)
    add_http_api(app, lobby, cluster.directory.subscribe_listings if cluster else None)
    events.route(app)
    web_root = config.web_root_path
    add_admin(app, sio, lobby, node, occupancy, config.admin_token, tickets, cluster, web_root,
              events.operations())
    app.router.add_get("/metrics", _token_required(config.metrics_token, metrics.handle))
    if web_root is not None:
        _serve_web_client(app, web_root)
    app.on_startup.append(_start_meter)
    if cluster is not None:
        app[CLUSTER] = cluster
        app.on_startup.append(_join_cluster)
        app.on_cleanup.append(_leave_cluster)
    app.on_shutdown.append(_shut_down)
    return app


async def _join_cluster(app: web.Application) -> None:
    await app[CLUSTER].start()
    sio = app[GATEWAY].sio
    if not sio.manager_initialized:  # hear the message queue before the first client comes
        sio.manager_initialized = True
        sio.manager.initialize()


async def _leave_cluster(app: web.Application) -> None:
    await app[CLUSTER].stop()


def _cluster_origins(cluster: ClusterNode | None, origins: str | list[str] | None
                     ) -> str | list[str] | Callable[[str, dict[str, Any]], bool] | None:
    """In a cluster, the configured origins plus every live node's (unless any is allowed)."""
    if cluster is None or isinstance(origins, str):
        return origins
    return cluster.origins(origins or [])


def _connection_limits(config: ServerConfig) -> ConnectionLimits:
    return ConnectionLimits(
        max_connections=config.max_connections,
        max_per_address=config.max_connections_per_address,
        connect_timeout=config.connect_timeout,
        silence_timeout=config.ping_interval + config.ping_timeout,
        messages_per_second=config.max_messages_per_second,
        inputs_per_second=config.max_inputs_per_second,
        requests_per_second=config.max_requests_per_second,
        joins_per_minute=config.joins_per_minute,
        flood_seconds=config.flood_seconds,
        flood_refusals=config.flood_refusals,
    )


def _token_required(token: str, handler: Handler) -> Handler:
    """``handler`` behind ``Authorization: Bearer <token>`` (compared in constant time);
    open when ``token`` is empty."""
    if not token:
        return handler
    expected = f"Bearer {token}".encode()

    async def guarded(request: web.Request) -> web.StreamResponse:
        given = request.headers.get("Authorization", "").encode()
        if not secrets.compare_digest(given, expected):
            raise web.HTTPUnauthorized(text="a metrics token is required")
        return await handler(request)

    return guarded


@web.middleware
async def _page_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Security headers on the browser client's pages and files."""
    response = await handler(request)
    if request.path in ("/", "/monitor") or request.path.startswith(("/r/", "/static/")):
        host = request.host
        sockets = f"ws://{host} wss://{host}"
        cluster = request.app.get(CLUSTER)
        if cluster is not None:  # a redirect may send the page's socket to any live node
            sockets += " " + cluster.peers.socket_sources()
        for name, value in PAGE_HEADERS.items():
            response.headers[name] = value.format(sockets=sockets)
    return response


def _origins(setting: str) -> str | list[str] | None:
    """python-engineio's form of ``cors_origins``: None allows the server's own origin."""
    if setting.strip() == "*":
        return "*"
    origins = [origin.strip() for origin in setting.split(",") if origin.strip()]
    return origins or None


async def _healthz(request: web.Request) -> web.Response:
    """``status`` is ``ok``, or ``degraded`` while a cluster node cannot reach Redis (its rooms
    run on; matchmaking answers ``cluster_unavailable``) or an event sink has failed for
    ``--events-degraded-after`` seconds (``sinks`` says which)."""
    lobby = request.app[LOBBY]
    gateway = request.app[GATEWAY]
    cluster = request.app.get(CLUSTER)
    health = {"status": "ok", "rooms": len(lobby.rooms),
              "connections": len(gateway.sio.connections), "sessions": len(gateway.sessions)}
    if cluster is not None:
        health |= {"status": "ok" if cluster.healthy else "degraded", "node": cluster.node_id}
    pipeline = request.app[EVENT_SERVICE].pipeline
    health["sinks"] = pipeline.sinks_health()
    if not pipeline.healthy:
        health["status"] = "degraded"
    return web.json_response(health)


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


async def _start_meter(app: web.Application) -> None:
    app[LOBBY].budget.meter.start()


async def _shut_down(app: web.Application) -> None:
    gateway = app[GATEWAY]
    await gateway.shutdown()
    await gateway.sio.connections.stop()
    app[LOBBY].budget.meter.stop()
