"""``EventBridgeSink``: events to an Amazon EventBridge bus with aiobotocore ``PutEvents``.

``eventbridge://bus-name?region=eu-west-1[&endpoint=http://...]`` (``endpoint`` for a local
stand-in; credentials come from the usual AWS sources: environment, profile, role)

Each event is one entry: ``Source`` = the CloudEvent's ``source`` (``/tickwire/<node>/rooms/
<room id>``; rules match it with a prefix), ``DetailType`` = its ``type``, ``Detail`` = the
whole CloudEvents JSON, ``Time`` = its ``time``. Entries go ten per call, in order; an entry
EventBridge refuses fails the batch (it is sent again). EventBridge itself does not keep order:
consumers order by ``roomseq``.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from aiobotocore.session import get_session

from server.events.outbox import StoredEvent
from server.events.sinks import redacted

ENTRIES_PER_CALL = 10  # PutEvents' own limit


class EventBridgeSink:
    """Puts events on an EventBridge bus (see the module docstring)."""

    batch_size = 100

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.name = redacted(url)
        self.bus = parts.netloc or "default"
        options = dict(parse_qsl(parts.query))
        self.region = options.get("region", "")
        if not self.region:
            raise ValueError(f"--events {self.name}: give the bus's region (?region=...)")
        self.endpoint = options.get("endpoint") or None
        self._stack: contextlib.AsyncExitStack | None = None
        self._client: Any = None

    async def start(self) -> None:
        """Create the EventBridge client."""
        self._stack = contextlib.AsyncExitStack()
        self._client = await self._stack.enter_async_context(get_session().create_client(
            "events", region_name=self.region, endpoint_url=self.endpoint))

    async def send(self, batch: list[StoredEvent]) -> None:
        """``PutEvents`` ten at a time, in order; any refused entry fails the batch."""
        assert self._client is not None, "start() first"
        for start in range(0, len(batch), ENTRIES_PER_CALL):
            entries = [self._entry(event) for event in batch[start:start + ENTRIES_PER_CALL]]
            answer = await self._client.put_events(Entries=entries)
            if answer.get("FailedEntryCount"):
                failed = next(e for e in answer["Entries"] if e.get("ErrorCode"))
                raise ConnectionError(f"EventBridge refused an event: {failed['ErrorCode']} "
                                      f"{failed.get('ErrorMessage', '')}")

    async def close(self) -> None:
        """Close the client."""
        if self._stack is not None:
            stack, self._stack, self._client = self._stack, None, None
            await stack.aclose()

    def _entry(self, event: StoredEvent) -> dict[str, Any]:
        envelope = json.loads(event.body)
        return {"Source": envelope["source"], "DetailType": event.type,
                "Detail": event.body.decode(), "EventBusName": self.bus,
                "Time": datetime.fromtimestamp(event.time, UTC)}
