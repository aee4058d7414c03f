"""``NodeRegistry``: which nodes are alive, how loaded they are, and what happens when one dies.

- **Liveness by TTL.** A node's hash ``P node:{id}`` (id, public URL, protocol, secret
  fingerprint, start time, players, rooms, CPU, instance) expires ``ttl`` seconds (3) after
  its last heartbeat (every ``heartbeat`` seconds, 1). Lookups skip rooms of nodes without
  that key at once; each heartbeat also sweeps, at most once per second cluster-wide (lock
  ``P sweeping``), every registered node whose key is gone: its rooms, codes and index
  entries are deleted and their removal published. A node killed with SIGKILL therefore
  disappears from lookups within 3 s and from Redis within about 4 s. ``stop`` (SIGTERM)
  removes the node and its rooms at once.
- **Who may join.** ``P cluster`` holds the protocol version and the fingerprint (an HMAC of a
  fixed text under the cluster secret, so the secret itself is never stored) that the first
  node wrote; a node with another version or secret raises ``ClusterMismatch`` saying which.
  A node id held by another live process is refused too (a restarted process waits up to one
  TTL for its dead predecessor's key to expire, then drops that predecessor's rooms).
  With no ``--cluster-secret``, the nodes share a random secret kept in ``P secret``.
- **Redis restarts empty.** The heartbeat finds its key gone, registers again and re-claims
  every local room (``local_rooms`` callback) within one heartbeat of Redis answering again.
- **Degraded.** While Redis does not answer, ``healthy`` is False; running rooms do not care.
- **Monitor stats.** With a ``stats`` callback, each heartbeat also writes its text (the
  node's monitor report, JSON) to ``P stats:{id}`` with the same TTL; ``stats_of`` reads the
  live nodes' reports. ``draining`` (a node refusing new rooms) travels in the node's hash, and
  ``ranked``/``least_loaded`` leave draining nodes out.

Redis commands per node per second: one heartbeat script of 5 (HGET, HSET, PEXPIRE, SET NX
of the sweep lock) and one SET of the stats key, plus, once a second cluster-wide, 1 + one per
registered node for the sweep. ``nodes``/``ranked``/``least_loaded``: 2 + one per registered node.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from server.cluster import lua
from server.cluster.directory_redis import RedisDirectory
from server.cluster.redis_link import guarded
from server.directory import RoomListing
from shared.protocol import VERSION, ProtocolError

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0
TTL_SECONDS = 3.0


class ClusterMismatch(RuntimeError):
    """This node may not join the cluster; the message says why."""


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """A live node as the registry sees it."""

    id: str
    public_url: str
    protocol: int
    fingerprint: str
    started: float
    players: int
    rooms: int
    cpu: float
    draining: bool = False


def fingerprint(secret: str) -> str:
    """What nodes compare to agree on a secret without revealing it."""
    return hmac.new(secret.encode(), b"tickwire cluster fingerprint", hashlib.sha256
                    ).hexdigest()[:16]


class NodeRegistry:
    """Registers this node, keeps it alive, re-registers it after Redis lost it, and ranks
    the live nodes by load.

    :param directory: this node's directory (its Redis client, prefix, and ``restore``).
    :param node_id: unique name of this node in the cluster.
    :param public_url: where clients reach this node (redirects point here).
    :param local_rooms: the listings of the rooms this node runs, current.
    :param secret: the cluster secret; empty to share a random one through Redis.
    :param heartbeat: seconds between heartbeats; default 1.
    :param ttl: seconds without a heartbeat after which the node counts as dead; default 3.
    :param protocol: protocol version this node speaks; default ``shared.protocol.VERSION``.
    :param stats: the node's monitor report (JSON text) written with each heartbeat; none
        by default (settable later as ``stats``).
    :param on_dead: hears the id of every dead node this node sweeps (for ``node.down``).
    """

    def __init__(self, directory: RedisDirectory, node_id: str, public_url: str,
                 local_rooms: Callable[[], Iterable[RoomListing]], secret: str = "",
                 heartbeat: float = HEARTBEAT_SECONDS, ttl: float = TTL_SECONDS,
                 protocol: int = VERSION, stats: Callable[[], str] | None = None,
                 on_dead: Callable[[str], None] = lambda node: None,
                 on_refused: Callable[[ClusterMismatch], None] = lambda refusal: None) -> None:
        self.directory = directory
        self.stats = stats
        self.draining = False
        self.node_id = node_id
        self.public_url = public_url
        self.local_rooms = local_rooms
        self.heartbeat = heartbeat
        self.ttl = ttl
        self.protocol = protocol
        self.on_dead = on_dead
        self.on_refused = on_refused
        self.healthy = False
        self.started = time.time()
        self._configured_secret = secret
        self._secret: str | None = secret or None
        self._fingerprint = ""
        self._joined = False
        self._instance = secrets.token_hex(8)
        self._cpu = _CpuMeter()
        self._task: asyncio.Task[None] | None = None
        redis: Redis = directory.redis
        self._scripts = {name: redis.register_script(getattr(lua, name))
                         for name in ("REGISTER", "HEARTBEAT", "LEAVE", "NODES")}

    @property
    def secret(self) -> str:
        """The cluster secret; ``ProtocolError("cluster_unavailable")`` until it is known."""
        if self._secret is None:
            raise ProtocolError("cluster_unavailable")
        return self._secret

    async def start(self) -> None:
        """Join the cluster and keep heartbeating.

        Raises ``ClusterMismatch`` when this node may not join. When Redis does not answer,
        the node starts degraded (``healthy`` False) and joins as soon as Redis answers; if
        Redis then refuses it, ``on_refused`` gets the ``ClusterMismatch``.
        """
        try:
            await self._register()
        except ProtocolError:
            log.warning("Redis unreachable: node %s starts degraded", self.node_id)
        self._task = asyncio.create_task(self._beat(), name="heartbeat")

    async def stop(self) -> None:
        """Stop heartbeating and remove this node and its rooms from the cluster at once."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(ProtocolError):
            await self._run("LEAVE", self.node_id, self._instance)
        self.healthy = False

    async def nodes(self) -> list[NodeInfo]:
        """The live nodes of the cluster."""
        return [_node(dict(zip(flat[::2], flat[1::2], strict=True)))
                for flat in await self._run("NODES")]

    async def ranked(self) -> list[str]:
        """Ids of the live nodes taking new rooms, least loaded first (fewest players, then
        least CPU)."""
        return [node.id for node in sorted(await self.nodes(), key=lambda n: (n.players, n.cpu))
                if not node.draining]

    async def least_loaded(self) -> NodeInfo | None:
        """The live node taking new rooms with the fewest players (then the least CPU)."""
        return min((node for node in await self.nodes() if not node.draining),
                   key=lambda n: (n.players, n.cpu), default=None)

    async def stats_of(self, node_ids: list[str]) -> dict[str, str]:
        """The stats texts of these nodes, by id (nodes without one left out)."""
        if not node_ids:
            return {}
        keys = [self.directory.keys.stats(node_id) for node_id in node_ids]
        texts = await guarded(self.directory.redis.mget(keys))  # decoded: str or None
        return {node_id: str(text) for node_id, text in zip(node_ids, texts, strict=True)
                if text}

    async def _register(self) -> None:
        """Register this node; the first time, drop what a dead predecessor with the same id
        left behind (waiting up to one TTL for its key to expire)."""
        fresh = not self._joined
        deadline = time.monotonic() + self.ttl + self.heartbeat
        secret = await self._resolve_secret()
        self._fingerprint = fingerprint(secret)
        while True:
            answer = await self._run(
                "REGISTER", self.node_id, int(self.ttl * 1000), self.protocol,
                self._fingerprint, self._instance, "1" if fresh else "0", *self._fields())
            if answer == "ok":
                self._joined = True
                self._set_healthy(True)
                return
            if answer != "taken":
                raise ClusterMismatch(_mismatch(answer, self.protocol, self._fingerprint))
            if not fresh or time.monotonic() > deadline:
                raise ClusterMismatch(
                    f"node id {self.node_id!r} is in use by another live process; give each "
                    "node its own id")
            await asyncio.sleep(self.heartbeat / 2)

    async def _resolve_secret(self) -> str:
        if self._configured_secret:
            return self._configured_secret
        candidate = self._secret or secrets.token_urlsafe(32)
        key = self.directory.keys.secret
        async with self.directory.redis.pipeline(transaction=True) as pipe:
            pipe.set(key, candidate, nx=True)
            pipe.get(key)
            _, self._secret = await guarded(pipe.execute())
        assert self._secret is not None
        return self._secret

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            try:
                answer = await self._run(
                    "HEARTBEAT", self.node_id, self._instance, int(self.ttl * 1000),
                    int(self.heartbeat * 1000), *self._fields())
                if answer == -1:
                    if self._joined:
                        log.warning("node %s lost its registration (Redis restarted or this "
                                    "node stalled); registering again", self.node_id)
                    await self._register()
                    rooms = list(self.local_rooms())
                    await self.directory.restore(rooms)
                    log.info("node %s registered with %d rooms", self.node_id, len(rooms))
                elif answer == -2:
                    raise ClusterMismatch(f"another process took node id {self.node_id!r}")
                else:
                    self._swept(answer)
                if self.stats is not None:
                    await guarded(self.directory.redis.set(
                        self.directory.keys.stats(self.node_id), self.stats(),
                        px=int(self.ttl * 1000)))
                self._set_healthy(True)
            except ProtocolError:
                self._set_healthy(False)
            except ClusterMismatch as refusal:
                if not self._joined:  # started degraded, and now Redis says it may not join
                    self.on_refused(refusal)
                    return
                log.error("node %s cannot rejoin: %s", self.node_id, refusal)
                self._set_healthy(False)

    def _swept(self, answer: object) -> None:
        assert isinstance(answer, list), answer
        rooms, dead = answer[0], answer[1:]
        for node in dead:
            log.warning("node %s found dead: it and its %d rooms left the directory", node,
                        rooms)
            self.on_dead(node.decode() if isinstance(node, bytes) else str(node))

    def _set_healthy(self, healthy: bool) -> None:
        if healthy != self.healthy and self._joined:
            log.log(logging.INFO if healthy else logging.WARNING, "node %s %s", self.node_id,
                    "healthy: Redis answers" if healthy else "degraded: Redis unreachable")
        self.healthy = healthy

    def _fields(self) -> list[object]:
        rooms = list(self.local_rooms())
        return ["id", self.node_id, "public_url", self.public_url, "protocol", self.protocol,
                "fingerprint", self._fingerprint, "started", self.started,
                "players", sum(room.players for room in rooms), "rooms", len(rooms),
                "cpu", round(self._cpu.sample(), 3), "draining", int(self.draining)]

    async def _run(self, script: str, *args: Any) -> Any:
        return await guarded(self._scripts[script](args=[self.directory.keys.prefix, *args]))


class _CpuMeter:
    """This process's CPU use, in cores, since the previous sample."""

    def __init__(self) -> None:
        self._cpu = time.process_time()
        self._wall = time.monotonic()

    def sample(self) -> float:
        cpu, wall = time.process_time(), time.monotonic()
        used = (cpu - self._cpu) / max(wall - self._wall, 1e-3)
        self._cpu, self._wall = cpu, wall
        return used


def _mismatch(cluster: Any, protocol: int, own_fingerprint: str) -> str:
    their_protocol, their_fingerprint = cluster
    if str(their_protocol) != str(protocol):
        return (f"this node speaks protocol {protocol} but the cluster speaks "
                f"{their_protocol}; run one version per cluster (or another --redis-url "
                "database or key prefix)")
    return (f"this node's cluster secret (fingerprint {own_fingerprint}) differs from the "
            f"cluster's ({their_fingerprint}); give every node the same --cluster-secret")


def _node(fields: dict[str, str]) -> NodeInfo:
    return NodeInfo(id=fields["id"], public_url=fields["public_url"],
                    protocol=int(fields["protocol"]), fingerprint=fields.get("fingerprint", ""),
                    started=float(fields["started"]), players=int(fields["players"]),
                    rooms=int(fields["rooms"]), cpu=float(fields["cpu"]),
                    draining=fields.get("draining") == "1")
