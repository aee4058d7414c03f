"""``ClusterNode``: everything that makes this process a node of a cluster, built from the
configuration and started and stopped with the application.

It holds the Redis directory, the node registry (heartbeat, liveness, load), the seat
reservations, the live peers' URLs and the client manager that carries cross-node emits
(``bus``). ``app.build_app`` asks it for the directory, the client manager, the origin check and
the seating; ``start`` joins the cluster (``ClusterMismatch`` when this node may not) and
``stop`` leaves it, taking this node's rooms out of the directory at once.
"""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Callable, Iterable
from typing import Any

from server.cluster.bus import NodeFanout, build_bus
from server.cluster.directory_redis import RedisDirectory
from server.cluster.nodes import ClusterMismatch, NodeRegistry
from server.cluster.peers import Peers, origin_checker
from server.cluster.redis_link import connect
from server.cluster.reservations import Reservations
from server.cluster.routing import ClusterSeating
from server.config import ServerConfig
from server.directory import RoomListing
from server.lobby import Lobby

log = logging.getLogger(__name__)

LISTING_INTERVAL = 1.0  # a room's listing is written at most once a second


def public_url_of(config: ServerConfig) -> str:
    """Where clients reach this node: ``--public-url``, else ``http://host:port``."""
    if config.public_url:
        return config.public_url.rstrip("/")
    host = socket.gethostname() if config.host in ("", "0.0.0.0", "::") else config.host
    return f"http://{host}:{config.port}"


class ClusterNode:
    """This process as a node of the cluster in ``config.redis_url``.

    :param config: the node's configuration (``redis_url``, ``redis_prefix``, ``public_url``,
        ``node_id``, ``cluster_secret``, ``message_queue``).
    """

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.public_url = public_url_of(config)
        self.node_id = config.node_id or f"{socket.gethostname()}:{config.port}"
        self.redis = connect(config.redis_url)
        self.directory = RedisDirectory(self.redis, config.redis_prefix)
        self._local_rooms: Callable[[], Iterable[RoomListing]] = tuple
        self.refusal: ClusterMismatch | None = None
        self.registry = NodeRegistry(self.directory, self.node_id, self.public_url,
                                     lambda: self._local_rooms(), config.cluster_secret,
                                     on_refused=self._refused)
        self.reservations = Reservations(self.node_id, lambda: self.registry.secret)
        self.peers = Peers(self.registry, self.public_url)
        self.bus: NodeFanout = build_bus(config.redis_url, config.message_queue,
                                         config.redis_prefix)

    @property
    def healthy(self) -> bool:
        """False while Redis does not answer this node (it runs on, degraded)."""
        return self.registry.healthy

    def origins(self, configured: list[str]) -> Callable[[str, dict[str, Any]], bool]:
        """The browser origins this node accepts: its own, ``configured``, every live node's."""
        return origin_checker(configured, self.peers)

    def seating(self, lobby: Lobby) -> ClusterSeating:
        """Cluster-wide seating over ``lobby``, whose rooms this node registers."""
        self._local_rooms = lambda: [lobby.listings.listing(room)
                                     for room in list(lobby.rooms.values()) if not room.closed]
        return ClusterSeating(lobby, self.directory, self.registry, self.reservations,
                              self.peers)

    async def start(self) -> None:
        """Join the cluster (``ClusterMismatch`` when refused) and keep up with it."""
        await self.registry.start()
        await self.peers.start()
        log.info("node %s (%s) joined the cluster%s", self.node_id, self.public_url,
                 "" if self.healthy else " degraded: Redis does not answer yet")

    def _refused(self, refusal: ClusterMismatch) -> None:
        """Started degraded, then refused by the cluster: keep the refusal (``python -m server``
        reports it and exits 2) and stop the process as SIGTERM would."""
        log.error("node %s cannot join the cluster: %s", self.node_id, refusal)
        self.refusal = refusal
        signal.raise_signal(signal.SIGTERM)

    async def stop(self) -> None:
        """Leave the cluster: this node and its rooms leave the directory at once."""
        await self.peers.stop()
        await self.registry.stop()
        await self.redis.aclose()
