"""``AmqpSink``: events to a RabbitMQ (AMQP 0-9-1) topic exchange with aio-pika.

``amqp(s)://user:password@host:port/exchange[?vhost=/]``

The exchange (durable, type ``topic``) is declared at start. Each event is one persistent
message in structured mode (``content-type: application/cloudevents+json``, ``message_id`` =
the event id) published with the event type as routing key (bind a queue with ``room.*``,
``#``, ...) on a channel with publisher confirms: a batch counts as delivered once the broker
confirmed every message. A batch is pipelined: its messages are written one after another
(the channel's lock keeps their order, so a queue gets each room's events in order) without
waiting for each confirmation, which the broker then sends for many messages at once.
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractExchange

from server.events.outbox import StoredEvent
from server.events.sinks import redacted

CONTENT_TYPE = "application/cloudevents+json"


class AmqpSink:
    """Publishes events to a topic exchange (see the module docstring)."""

    batch_size = 100

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.name = redacted(url)
        self.exchange_name = parts.path.strip("/")
        if not self.exchange_name:
            raise ValueError(f"--events {self.name}: use amqp://user:pass@host/exchange")
        vhost = dict(parse_qsl(parts.query)).get("vhost", "/")
        self.broker = urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), "",
                                  ""))
        self._connection: AbstractConnection | None = None
        self._exchange: AbstractExchange | None = None

    async def start(self) -> None:
        """Connect, open a confirming channel, declare the exchange."""
        self._connection = await aio_pika.connect(self.broker, timeout=10)
        channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)

    async def send(self, batch: list[StoredEvent]) -> None:
        """Publish ``batch`` in order, pipelined; return once the broker confirmed all of it."""
        exchange = self._exchange
        assert exchange is not None, "start() first"
        await asyncio.gather(*(
            exchange.publish(
                aio_pika.Message(event.body, content_type=CONTENT_TYPE, message_id=event.id,
                                 delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                 headers={"cloudEvents:subject": event.subject}),
                routing_key=event.type, mandatory=False)
            for event in batch))

    async def close(self) -> None:
        """Close the connection."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()
