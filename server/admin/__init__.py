"""Operations: the admin API, its OpenAPI description, and the monitor page's data.

- ``api.py``: the endpoints under ``/api/admin/...``, declared once for router and OpenAPI
  (``openapi.py``);
- ``auth.py``: the admin token (constant-time), per-address rate limits, signed tickets;
- ``fleet.py``: this node, or every node of a cluster (stats keys in Redis, remote rooms
  over HTTP); ``sampler.py`` (this node's numbers and history); ``views.py`` (rooms, players);
- ``control.py``: actions carried out on the node that runs the room, through the bus;
- ``feed.py``: the monitor's server-sent events.

``add_admin`` wires them into an application; ``/monitor`` serves the monitor page (or, with
no ``--admin-token``, a page saying how to turn it on).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from aiohttp import web

from server.admin.api import AdminApi
from server.admin.auth import AdminGuard, Tickets
from server.admin.control import NodeControl
from server.admin.feed import MonitorFeed
from server.admin.fleet import ClusterFleet, LocalFleet
from server.admin.openapi import Operation
from server.admin.sampler import NodeSampler
from server.cluster.node import ClusterNode
from server.lobby import Lobby
from server.metrics import Occupancy
from server.net.socketio_server import TickwireServer

log = logging.getLogger(__name__)

ADMIN = web.AppKey("admin", AdminApi)
SAMPLER = web.AppKey("sampler", NodeSampler)
MONITOR_PATH = "/monitor"
MONITOR_OFF = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Tickwire monitor</title></head><body style="font-family: system-ui; margin: 3em">
<h1>The monitor is off</h1><p>Start the server with an admin token to turn it on:
<code>tickwire serve --admin-token &lt;long random secret&gt;</code> (or set
<code>TICKWIRE_ADMIN_TOKEN</code>, or <code>admin_token</code> in the TOML config), then open
<code>/monitor</code> again and enter the token.</p></body></html>"""


def add_admin(app: web.Application, sio: TickwireServer, lobby: Lobby, node_id: str,
              occupancy: Occupancy, token: str, tickets: Tickets, cluster: ClusterNode | None,
              web_root: Path | None, described: Sequence[Operation] = ()) -> AdminApi:
    """Route the admin API, its feed and the monitor page on ``app``.

    :param sio: the Socket.IO server.
    :param lobby: this node's rooms.
    :param node_id: this node's id.
    :param occupancy: this node's counts.
    :param token: the admin token; empty turns the API and the monitor off.
    :param tickets: signs the monitor's tickets (the gateway checks watch tickets with it).
    :param cluster: this node's cluster membership, if any.
    :param web_root: the built browser client (the monitor page is ``monitor.html`` there).
    :param described: the server's other endpoints for the OpenAPI document (see
        ``AdminApi``).
    """
    def describe() -> dict[str, object]:
        if cluster is None:
            return {"draining": lobby.draining, "healthy": True}
        return {"draining": lobby.draining, "healthy": cluster.healthy,
                "public_url": cluster.public_url}

    def set_draining(draining: bool) -> None:
        lobby.draining = draining
        if cluster is not None:
            cluster.registry.draining = draining

    sampler = NodeSampler(node_id, lobby.stats, occupancy, describe)
    fleet = LocalFleet(node_id, sampler, lobby, sio.connection_of) if cluster is None else (
        ClusterFleet(node_id, sampler, lobby, sio.connection_of, cluster, token))
    guard = AdminGuard(token, tickets, sio.addresses, lobby.stats.admin_refusals)
    control = NodeControl(sio, lobby, set_draining)
    feed = MonitorFeed(guard, fleet)
    api = AdminApi(guard, fleet, control, sio, feed,
                   (lambda: True) if cluster is None else (lambda: cluster.healthy), described)
    api.route(app)
    sio.manager.serve_control(node_id, control.on_control)
    app[ADMIN] = api
    app[SAMPLER] = sampler
    app.router.add_get(MONITOR_PATH, _monitor_page(token, web_root))

    async def start(app: web.Application) -> None:
        sampler.start()

    async def stop(app: web.Application) -> None:
        await feed.close()

    async def clean_up(app: web.Application) -> None:
        sampler.stop()
        await fleet.close()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
    app.on_cleanup.append(clean_up)
    return api


def _monitor_page(token: str, web_root: Path | None
                  ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    page = web_root / "monitor.html" if web_root is not None else None

    async def monitor(request: web.Request) -> web.StreamResponse:
        if not token:
            return web.Response(text=MONITOR_OFF, content_type="text/html", status=404)
        if page is None or not page.is_file():
            return web.Response(text="the monitor page is not built (run `make setup`)",
                                status=404)
        return web.FileResponse(page, headers={"Cache-Control": "no-cache"})

    return monitor
