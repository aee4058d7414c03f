"""Following the cluster's public listing changes on Redis Pub/Sub, across Redis restarts.

A subscriber that silently stops hearing is the known way such listeners fail
(python-socketio issue #1581; redis-py may also reconnect and resubscribe on its own and
lose what was published meanwhile). So the loop here:

- pings on its Pub/Sub connection every ``ping_every`` seconds and treats ``silence`` seconds
  without any answer as a dead connection;
- on any error, closes the connection and subscribes again with a backoff of 0.1 s doubling
  to 1 s (reset after a successful subscribe), logging the loss and the recovery;
- yields a ``resync`` event after every (re)subscription, including one redis-py made by
  itself: the consumer reloads the full list then, since changes may have been missed.

One subscriber per node feeds every browser of that node, so Redis sees one connection per
node, whatever the number of lobby viewers.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

PING_SECONDS = 1.0
SILENCE_SECONDS = 3.0
FIRST_BACKOFF = 0.1
MAX_BACKOFF = 1.0


@dataclass(frozen=True, slots=True)
class ListingEvent:
    """One change of the public room list.

    ``kind`` is ``"put"`` (``room`` is the public view of a new or changed room),
    ``"remove"`` (``room_id`` is gone) or ``"resync"`` (reload the whole list).
    """

    kind: str
    room_id: str = ""
    room: dict[str, Any] | None = None


class _Silent(ConnectionError):
    """The Pub/Sub connection stopped answering pings."""


async def listing_events(redis: Redis, channel: str, ping_every: float = PING_SECONDS,
                         silence: float = SILENCE_SECONDS) -> AsyncIterator[ListingEvent]:
    """Listing changes published on ``channel``, for as long as the caller iterates.

    :param redis: the client whose connection pool gives the Pub/Sub connection.
    :param channel: the listings channel (``KeySpace.listings``).
    :param ping_every: seconds between liveness pings; default 1.
    :param silence: seconds without any message after which the connection is replaced;
        default 3.
    """
    loop = asyncio.get_running_loop()
    backoff = FIRST_BACKOFF
    lost = False
    while True:
        pubsub = redis.pubsub()
        try:
            await pubsub.subscribe(channel)
            heard = pinged = loop.time()
            while True:
                message = await pubsub.get_message(timeout=ping_every)
                now = loop.time()
                if message is not None:
                    heard = now
                    event = _event(message)
                    if event is not None:
                        if event.kind == "resync":
                            backoff = FIRST_BACKOFF
                            if lost:
                                log.info("listing feed subscribed again to %s", channel)
                                lost = False
                        yield event
                if now - heard > silence:
                    raise _Silent(f"no answer on {channel} for {silence} s")
                if now - pinged >= ping_every:
                    await pubsub.ping()
                    pinged = now
        except (RedisError, OSError, TimeoutError) as error:
            if not lost:
                log.warning("listing feed lost Redis (%r); subscribing again", error)
            lost = True
        finally:
            await _close_quietly(pubsub)
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, MAX_BACKOFF)


def _event(message: dict[str, Any]) -> ListingEvent | None:
    if message["type"] == "subscribe":
        return ListingEvent("resync")
    if message["type"] != "message":
        return None
    try:
        change = json.loads(message["data"])
        if change["op"] == "put":
            return ListingEvent("put", change["room"]["id"], change["room"])
        if change["op"] == "remove":
            return ListingEvent("remove", change["id"])
    except (ValueError, KeyError, TypeError):
        log.warning("ignored a malformed listing change: %.200r", message["data"])
    return None


async def _close_quietly(pubsub: Any) -> None:
    try:
        async with asyncio.timeout(1.0):
            await pubsub.aclose()
    except (RedisError, OSError, TimeoutError):
        pass
