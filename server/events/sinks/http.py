"""``HttpSink``: CloudEvents over HTTP(S), to a webhook or an Azure Event Grid topic.

``http(s)://host/path?mode=batch|structured|binary&bearer=TOKEN&aeg-sas-key=KEY&batch=N``

- ``mode=batch`` (default): one POST per batch, the events as a JSON array
  (``application/cloudevents-batch+json``), as Event Grid's CloudEvents endpoint takes them;
  ``structured``: one POST per event (``application/cloudevents+json``); ``binary``: one POST
  per event, the attributes in ``ce-*`` headers and the data as the body.
- ``bearer=TOKEN`` sends ``Authorization: Bearer TOKEN``; ``aeg-sas-key=KEY`` sends the
  ``aeg-sas-key`` header. ``env:NAME`` as the value reads the environment variable ``NAME``
  instead (flags show in ``ps``). These parameters are not passed on to the receiver.
- Any status but 2xx fails the batch (it is sent again).
"""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp
from cloudevents.core.bindings import http as ce_http

from server.events.model import JSON
from server.events.outbox import StoredEvent
from server.events.sinks import redacted

MODES = ("batch", "structured", "binary")
OWN_PARAMETERS = frozenset({"mode", "bearer", "aeg-sas-key", "batch"})
BATCH_TYPE = "application/cloudevents-batch+json; charset=utf-8"
STRUCTURED_TYPE = "application/cloudevents+json; charset=utf-8"


class HttpSink:
    """Posts events to ``url`` (see the module docstring)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        options = dict(parse_qsl(parts.query))
        self.name = redacted(url)
        self.mode = options.get("mode", "batch")
        if self.mode not in MODES:
            raise ValueError(f"--events {self.name}: mode must be one of {', '.join(MODES)}")
        self.batch_size = int(options.get("batch", 100 if self.mode == "batch" else 20))
        self.headers: dict[str, str] = {}
        if "bearer" in options:
            self.headers["Authorization"] = f"Bearer {_secret(options['bearer'])}"
        if "aeg-sas-key" in options:
            self.headers["aeg-sas-key"] = _secret(options["aeg-sas-key"])
        passed_on = [(k, v) for k, v in parse_qsl(parts.query) if k not in OWN_PARAMETERS]
        self.target = urlunsplit(parts._replace(query=urlencode(passed_on), fragment=""))
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Open the HTTP session."""
        self._session = aiohttp.ClientSession(headers=self.headers)

    async def send(self, batch: list[StoredEvent]) -> None:
        """POST ``batch`` (whole, or event by event in order)."""
        if self.mode == "batch":
            await self._post(b"[" + b",".join(event.body for event in batch) + b"]",
                             {"Content-Type": BATCH_TYPE})
            return
        for event in batch:
            if self.mode == "structured":
                await self._post(event.body, {"Content-Type": STRUCTURED_TYPE})
            else:
                message = ce_http.to_binary(JSON.read(None, event.body), JSON)
                await self._post(message.body, message.headers)

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _post(self, body: bytes, headers: dict[str, str]) -> None:
        assert self._session is not None, "start() first"
        async with self._session.post(self.target, data=body, headers=headers) as response:
            if not 200 <= response.status < 300:
                text = (await response.text())[:100]
                raise ConnectionError(f"HTTP {response.status} from {self.name}: {text}")


def _secret(value: str) -> str:
    """``value``, or the environment variable it names as ``env:NAME``."""
    if value.startswith("env:"):
        name = value[4:]
        if name not in os.environ:
            raise ValueError(f"--events: the environment variable {name} is not set")
        return os.environ[name]
    return value
