"""The link to Redis shared by every cluster part: one client with short timeouts, the key
layout, and the rule that a Redis failure surfaces as ``ProtocolError("cluster_unavailable")``.

Every call a request handler makes goes through ``guarded`` and fails within ``CALL_TIMEOUT``
seconds; nothing on a tick path awaits Redis at all.

Key layout (``P`` is the key prefix, ``tw:`` by default; one Redis database may hold several
clusters under different prefixes):

=============================  ======  ==========================================================
key                            type    holds
=============================  ======  ==========================================================
``P cluster``                  hash    ``protocol``, ``fingerprint``: what every node must match
``P secret``                   string  the shared reservation secret when none is configured
``P nodes``                    set     ids of registered nodes (live or not yet swept)
``P node:{id}``                hash    a node's info and load; TTL = liveness (``nodes.py``)
``P node:{id}:rooms``          set     ids of the rooms that node owns (swept with it)
``P stats:{id}``               string  a node's monitor report (JSON), written with its heartbeat
``P room:{id}``                hash    a listing (``directory_redis.py``); TTL only while opening
``P room:{id}:holds``          zset    seat holds: hold id -> expiry (ms)
``P code:{code}``              string  room id of a join code
``P public`` / ``public:{g}``  zset    public live rooms (all / one game) -> creation time (ms)
``P open:{g}:{s}``             zset    quick-joinable rooms of game g, settings s -> seats taken
``P full:{g}:{s}``             zset    the same rooms while full -> expiry of their first hold
``P sweeping``                 string  lock: one node per second sweeps dead nodes
``P listings``                 pubsub  public listing changes (JSON ``{op, room | id}``)
=============================  ======  ==========================================================
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from shared.protocol import ProtocolError

DEFAULT_PREFIX = "tw:"
CALL_TIMEOUT = 1.5  # seconds one guarded Redis call may take, connecting included
SOCKET_TIMEOUT = 1.0

T = TypeVar("T")


def connect(url: str) -> Redis:
    """A Redis client for ``url`` (``redis://host:port/db``) with short timeouts and one retry.

    It connects lazily: a Redis that is down makes calls fail, not this function.
    """
    return Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=SOCKET_TIMEOUT,
        retry=Retry(NoBackoff(), 1),
        health_check_interval=10,
    )


async def guarded(call: Awaitable[T], timeout: float = CALL_TIMEOUT) -> T:
    """Await a Redis call; any Redis failure or a slower answer than ``timeout`` seconds
    raises ``ProtocolError("cluster_unavailable")``."""
    try:
        async with asyncio.timeout(timeout):
            return await call
    except (RedisError, OSError, TimeoutError) as error:
        raise ProtocolError("cluster_unavailable") from error


class KeySpace:
    """Names of the cluster's keys under one prefix (see the module docstring).

    :param prefix: prepended to every key and channel; default ``"tw:"``.
    """

    def __init__(self, prefix: str = DEFAULT_PREFIX) -> None:
        self.prefix = prefix
        self.cluster = prefix + "cluster"
        self.secret = prefix + "secret"
        self.nodes = prefix + "nodes"
        self.listings = prefix + "listings"

    def node(self, node_id: str) -> str:
        return f"{self.prefix}node:{node_id}"

    def stats(self, node_id: str) -> str:
        return f"{self.prefix}stats:{node_id}"

    def room(self, room_id: str) -> str:
        return f"{self.prefix}room:{room_id}"

    def code(self, code: str) -> str:
        return f"{self.prefix}code:{code}"
