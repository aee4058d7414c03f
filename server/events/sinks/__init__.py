"""Event sinks: where the outbox's events go. One small class per kind of destination, chosen
by the URL's scheme (``--events URL``, repeatable):

=============================  ==========================================================
``kafka://host:port/topic``     ``kafka.KafkaSink``
``amqp://user:pass@host/exch``  ``amqp.AmqpSink`` (also ``amqps://``)
``redis://host:port/db?stream`` ``redis_stream.RedisStreamSink`` (also ``rediss://``)
``nats://host:port/subject``    ``nats.NatsSink``
``eventbridge://bus?region=R``  ``eventbridge.EventBridgeSink``
``http(s)://...``               ``http.HttpSink`` (webhooks, Azure Event Grid)
=============================  ==========================================================

A sink has three verbs: ``start`` (connect), ``send`` (deliver one batch, in order; return
only once the destination has acknowledged all of it, raise otherwise) and ``close``. It may
raise from ``send`` whenever the destination is down; delivery retries the whole batch, and
the sink reconnects as it needs to. ``name`` is the URL without secrets (metrics, cursors).
"""

from __future__ import annotations

import importlib
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from server.events.outbox import StoredEvent

SECRET_PARAMETERS = frozenset({"bearer", "aeg-sas-key", "token"})
SCHEMES = {
    "kafka": "kafka.KafkaSink",
    "amqp": "amqp.AmqpSink", "amqps": "amqp.AmqpSink",
    "redis": "redis_stream.RedisStreamSink", "rediss": "redis_stream.RedisStreamSink",
    "nats": "nats.NatsSink", "tls": "nats.NatsSink",
    "eventbridge": "eventbridge.EventBridgeSink",
    "http": "http.HttpSink", "https": "http.HttpSink",
}


class Sink(Protocol):
    """One destination of events (see the module docstring)."""

    name: str
    batch_size: int

    async def start(self) -> None:
        """Connect; may raise while the destination is down (``send`` connects again)."""

    async def send(self, batch: list[StoredEvent]) -> None:
        """Deliver ``batch`` in order; return once the destination acknowledged every event."""

    async def close(self) -> None:
        """Disconnect."""


def redacted(url: str) -> str:
    """``url`` without its password and secret query parameters."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    query = [(k, v) for k, v in parse_qsl(parts.query) if k.lower() not in SECRET_PARAMETERS]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), ""))


def build_sink(url: str) -> Sink:
    """The sink for ``url``; ``ValueError`` for an unknown scheme or a malformed URL, and
    when the library it needs is not installed (``pip install 'tickwire[events]'``)."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError(f"--events {redacted(url)}: unknown scheme {scheme!r} (use one of "
                         f"{', '.join(sorted(SCHEMES))})")
    module_name, class_name = SCHEMES[scheme].split(".")
    try:
        module = importlib.import_module(f"server.events.sinks.{module_name}")
    except ImportError as error:
        raise ValueError(f"--events {redacted(url)} needs {error.name}: pip install "
                         "'tickwire[events]'") from None
    sink: Sink = getattr(module, class_name)(url)
    return sink
