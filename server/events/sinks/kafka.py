"""``KafkaSink``: events to a Kafka topic with aiokafka.

``kafka://host:port[,host:port...]/topic[?idempotent=false]``

Each event is one record in structured mode (the CloudEvents JSON as the value, header
``content-type: application/cloudevents+json``), keyed by its subject (the room id), so all of
a room's events land in one partition, in order. The producer waits for every in-sync replica
(``acks=all``) and is idempotent (no duplicates from its own retries) unless
``idempotent=false`` (for brokers without idempotent producers: delivery stays at least once
and in order).
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl, urlsplit

from aiokafka import AIOKafkaProducer

from server.events.outbox import StoredEvent
from server.events.sinks import redacted

HEADERS = [("content-type", b"application/cloudevents+json; charset=utf-8")]
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class KafkaSink:
    """Produces events to a Kafka topic (see the module docstring)."""

    batch_size = 200

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.name = redacted(url)
        self.topic = parts.path.strip("/")
        if not self.topic or not parts.netloc:
            raise ValueError(f"--events {self.name}: use kafka://host:port/topic")
        self.bootstrap = parts.netloc.rpartition("@")[2]
        self.idempotent = dict(parse_qsl(parts.query)).get("idempotent", "true").lower(
            ) not in FALSE_WORDS
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        """Connect the producer."""
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all",
                                    enable_idempotence=self.idempotent, client_id="tickwire",
                                    request_timeout_ms=10_000)
        try:
            await producer.start()
        except BaseException:
            await producer.stop()
            raise
        self._producer = producer

    async def send(self, batch: list[StoredEvent]) -> None:
        """Produce ``batch`` in order and wait until the broker has acknowledged all of it."""
        assert self._producer is not None, "start() first"
        sent = [await self._producer.send(self.topic, value=event.body,
                                          key=event.subject.encode(), headers=HEADERS)
                for event in batch]
        await asyncio.gather(*sent)

    async def close(self) -> None:
        """Stop the producer."""
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()
