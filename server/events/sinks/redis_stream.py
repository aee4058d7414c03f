"""``RedisStreamSink``: events to a Redis stream with redis-py.

``redis(s)://host:port/db?stream=NAME[&maxlen=N]`` (stream default ``tickwire:events``,
``maxlen`` default 100,000)

Each event is one entry (``XADD NAME MAXLEN ~ N * id <id> type <type> subject <room id> event
<CloudEvents JSON>``); a batch goes in one pipeline, in order, so the stream holds every
room's events in order. The trim is approximate (``~``): a consumer that falls behind by more
than ``maxlen`` entries loses the oldest.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis.asyncio import Redis

from server.events.outbox import StoredEvent
from server.events.sinks import redacted

DEFAULT_STREAM = "tickwire:events"
DEFAULT_MAXLEN = 100_000


class RedisStreamSink:
    """Appends events to a Redis stream (see the module docstring)."""

    batch_size = 200

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.name = redacted(url)
        options = dict(parse_qsl(parts.query))
        self.stream = options.pop("stream", DEFAULT_STREAM)
        self.maxlen = int(options.pop("maxlen", DEFAULT_MAXLEN))
        self.server = urlunsplit(parts._replace(query=urlencode(options)))
        self._redis: Redis | None = None

    async def start(self) -> None:
        """Connect."""
        self._redis = Redis.from_url(self.server, socket_timeout=10, socket_connect_timeout=5)
        await self._redis.ping()

    async def send(self, batch: list[StoredEvent]) -> None:
        """``XADD`` every event of ``batch``, in order, in one pipeline."""
        assert self._redis is not None, "start() first"
        async with self._redis.pipeline(transaction=False) as pipe:
            for event in batch:
                pipe.xadd(self.stream, {"id": event.id, "type": event.type,
                                        "subject": event.subject, "event": event.body},
                          maxlen=self.maxlen, approximate=True)
            await pipe.execute()

    async def close(self) -> None:
        """Disconnect."""
        if self._redis is not None:
            redis, self._redis = self._redis, None
            await redis.aclose()
