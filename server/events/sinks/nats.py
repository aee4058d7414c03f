"""``NatsSink``: events to NATS JetStream with nats-py.

``nats://host:port/subject`` (``tls://`` for TLS; subject default ``tickwire.events``)

Each event is published to ``<subject>.<type>`` (``tickwire.events.room.ended``) with the
CloudEvents JSON as payload, ``Nats-Msg-Id`` = the event id (JetStream drops a repeat within
its duplicate window) and ``Content-Type: application/cloudevents+json``, and counts as
delivered once JetStream acknowledged it. A stream must capture ``<subject>.>``; until one
does, publishing fails and is retried. Events are published one after another: the stream
holds each room's events in order.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext

from server.events.outbox import StoredEvent
from server.events.sinks import redacted

DEFAULT_SUBJECT = "tickwire.events"
CONTENT_TYPE = "application/cloudevents+json"


class NatsSink:
    """Publishes events to JetStream (see the module docstring)."""

    batch_size = 100

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.name = redacted(url)
        self.subject = parts.path.strip("/").replace("/", ".") or DEFAULT_SUBJECT
        self.server = f"{parts.scheme}://{parts.netloc}"
        self._client: Client | None = None
        self._jetstream: JetStreamContext | None = None

    async def start(self) -> None:
        """Connect (no reconnecting in the background: a failed batch connects again)."""
        self._client = await nats.connect(self.server, allow_reconnect=False,
                                          connect_timeout=5, max_reconnect_attempts=0)
        self._jetstream = self._client.jetstream(timeout=10)

    async def send(self, batch: list[StoredEvent]) -> None:
        """Publish ``batch`` in order, each acknowledged by JetStream."""
        assert self._jetstream is not None, "start() first"
        for event in batch:
            await self._jetstream.publish(
                f"{self.subject}.{event.type}", event.body,
                headers={"Nats-Msg-Id": event.id, "Content-Type": CONTENT_TYPE})

    async def close(self) -> None:
        """Disconnect."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()
