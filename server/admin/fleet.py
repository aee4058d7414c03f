"""Where the admin API's data comes from: this node alone, or every node of a cluster.

``LocalFleet`` reads this process. ``ClusterFleet`` adds the other live nodes: their reports
and room rows from their stats keys in Redis (written with each heartbeat, so at most about a
second old), and one remote room's players by asking that room's node over HTTP (its public
URL, ``GET /api/admin/rooms/{id}`` with this node's admin token: every node of a cluster needs
the same ``--admin-token``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import aiohttp

from server.admin.sampler import NodeSampler
from server.admin.views import room_detail, room_summaries
from server.cluster.node import ClusterNode
from server.lobby import Lobby
from server.net.connections import Connection
from shared.protocol import ProtocolError

REMOTE_SECONDS = 2.0  # how long a remote node may take to describe a room


class LocalFleet:
    """This process's node and rooms.

    :param node_id: this node's id.
    :param sampler: this node's numbers.
    :param lobby: this node's rooms.
    :param connection_of: the connection behind a Socket.IO id (for players' ping, backlog).
    """

    def __init__(self, node_id: str, sampler: NodeSampler, lobby: Lobby,
                 connection_of: Callable[[str], Connection | None]) -> None:
        self.node_id = node_id
        self.sampler = sampler
        self.lobby = lobby
        self.connection_of = connection_of

    async def nodes(self) -> list[dict[str, Any]]:
        """Every node's report."""
        return [self.sampler.report()]

    async def rooms(self) -> list[dict[str, Any]]:
        """Every node's room rows."""
        return self.local_rooms()

    def local_rooms(self) -> list[dict[str, Any]]:
        """This node's room rows."""
        return room_summaries(self.lobby.rooms.values(), self.node_id)

    async def room(self, room_id: str) -> dict[str, Any] | None:
        """One room with its players, wherever it runs; None when there is none."""
        room = self.lobby.rooms.get(room_id)
        if room is None or room.closed:
            return None
        return room_detail(room, self.node_id, self.connection_of)

    async def locate(self, room_id: str) -> str | None:
        """The node running room ``room_id``, if any."""
        room = self.lobby.rooms.get(room_id)
        return self.node_id if room is not None and not room.closed else None

    async def public_url(self, node_id: str) -> str | None:
        """Where clients reach node ``node_id`` (empty: this server's own address)."""
        return "" if node_id == self.node_id else None

    async def close(self) -> None:
        """Release what the fleet holds."""


class ClusterFleet(LocalFleet):
    """Every live node of this node's cluster (see the module docstring).

    :param cluster: this node's cluster membership.
    :param token: the admin token, to ask other nodes about their rooms.
    """

    def __init__(self, node_id: str, sampler: NodeSampler, lobby: Lobby,
                 connection_of: Callable[[str], Connection | None], cluster: ClusterNode,
                 token: str) -> None:
        super().__init__(node_id, sampler, lobby, connection_of)
        self.cluster = cluster
        self.token = token
        self._http: aiohttp.ClientSession | None = None
        cluster.registry.stats = self.stats_text

    def stats_text(self) -> str:
        """What this node writes to its stats key: its report and its room rows."""
        return json.dumps({"report": self.sampler.report(), "rooms": self.local_rooms()},
                          separators=(",", ":"))

    async def nodes(self) -> list[dict[str, Any]]:
        reports = []
        for node, stats in await self._others():
            report = stats.get("report") or {"id": node.id, "now": {}, "history": {}}
            reports.append({**report, "public_url": node.public_url,
                            "draining": node.draining})
        return [self.sampler.report(), *reports]

    async def rooms(self) -> list[dict[str, Any]]:
        rows = self.local_rooms()
        for _, stats in await self._others():
            rows.extend(stats.get("rooms") or [])
        return rows

    async def room(self, room_id: str) -> dict[str, Any] | None:
        local = await super().room(room_id)
        if local is not None:
            return local
        node = await self.locate(room_id)
        url = await self.public_url(node) if node else None
        if not url:
            return None
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(REMOTE_SECONDS))
        try:
            async with self._http.get(f"{url}/api/admin/rooms/{room_id}", headers={
                    "Authorization": f"Bearer {self.token}"}) as answer:
                if answer.status == 404:
                    return None
                if answer.status != 200:
                    raise ProtocolError("cluster_unavailable",
                                        f"node {node} answered {answer.status}")
                detail: dict[str, Any] = await answer.json()
                return detail
        except (aiohttp.ClientError, TimeoutError):
            raise ProtocolError("cluster_unavailable", f"node {node} does not answer") from None

    async def locate(self, room_id: str) -> str | None:
        if await super().locate(room_id):
            return self.node_id
        listing = await self.cluster.directory.by_id(room_id)
        return listing.node if listing is not None else None

    async def public_url(self, node_id: str) -> str | None:
        if node_id == self.node_id:
            return self.cluster.public_url
        return next((node.public_url for node in await self.cluster.registry.nodes()
                     if node.id == node_id), None)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def _others(self) -> list[tuple[Any, dict[str, Any]]]:
        """The other live nodes with their decoded stats (empty when they wrote none)."""
        others = [node for node in await self.cluster.registry.nodes()
                  if node.id != self.node_id]
        texts = await self.cluster.registry.stats_of([node.id for node in others])
        return [(node, json.loads(texts[node.id]) if node.id in texts else {})
                for node in others]
