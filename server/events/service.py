"""``EventService``: the event parts of one server, built from its configuration and tied to
the application's start and stop.

It holds the ``EventLog`` with the room producer (``producer``, the lobby's observer), the
outbox and its pipeline to the configured sinks and the match history, the SSE stream and
the history API. ``route`` adds their endpoints and start/stop hooks to the application;
``collect`` adds their counters to ``/metrics``.
"""

from __future__ import annotations

from collections.abc import Iterator

from aiohttp import web
from prometheus_client.metrics_core import CounterMetricFamily, Metric

from server.admin.openapi import Operation
from server.config import ServerConfig
from server.events.model import NODE_DOWN, EventLog
from server.events.outbox import Outbox
from server.events.pipeline import EventPipeline
from server.events.producer import RoomEvents
from server.events.sinks import Sink, build_sink
from server.events.stream import CLOUDEVENT, EVENTS_PATH, EventStream
from server.history.api import FEED_SIZE, LEADERBOARD, MATCH, MAX_LIMIT, HistoryApi
from server.history.consumer import HistorySink
from server.history.store import build_store
from server.net.addresses import AddressResolver
from shared.protocol import HISTORY_FEED_PATH


class EventService:
    """Every event part of one server (see the module docstring).

    :param config: ``events``, ``data_dir``, ``db``, the outbox and delivery settings and
        ``admin_token``.
    :param node: this node's id (the events' source).
    :param addresses: the client address of a request (for the event stream's per-address
        cap).
    :param url: where clients reach this node (``node.up`` carries it).
    """

    def __init__(self, config: ServerConfig, node: str, addresses: AddressResolver,
                 url: str = "") -> None:
        self.log = EventLog(node)
        self.producer = RoomEvents(self.log)
        store = build_store(config.db, config.data_dir)
        self.history = HistorySink(store)
        sinks: list[Sink] = [build_sink(url) for url in config.events]
        sinks.append(self.history)
        names = [sink.name for sink in sinks]
        if len(set(names)) != len(names):
            raise ValueError("--events: the same destination is given twice")
        self.outbox = Outbox(config.data_dir, names, config.outbox_max_events,
                             config.event_history)
        self.pipeline = EventPipeline(self.log, self.outbox, sinks,
                                      backoff_max=config.events_backoff_max,
                                      degraded_after=config.events_degraded_after, url=url)
        self.stream = EventStream(self.pipeline, self.outbox, config.admin_token, addresses)
        self.history_api = HistoryApi(store, self.history, config.admin_token)

    def route(self, app: web.Application) -> None:
        """Add the endpoints (``/api/events``, the history API) and the start/stop hooks."""
        for op in self.operations():
            app.router.add_route(op.method, op.path, op.handler)
        app.on_startup.append(self._start)
        app.on_shutdown.append(self._close_readers)
        app.on_cleanup.append(self._stop)

    def operations(self) -> list[Operation]:
        """The endpoints, as routed and as the OpenAPI document describes them (public reads;
        private rooms' events and matches need the admin token)."""
        history = self.history_api
        limit = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": FEED_SIZE}
        return [
            Operation("GET", EVENTS_PATH, self.stream.handle,
                      "The event stream (shared/EVENTS.md): every message's data is a "
                      "CloudEvent, its id the event's outbox position", token=False,
                      limited=False, media="text/event-stream", answer=CLOUDEVENT,
                      errors=(400, 401, 429, 503), query={
                          "type": {"type": "string", "maxLength": 1100, "description":
                                   "comma-separated types; a trailing .* matches a prefix"},
                          "room": {"type": "string", "maxLength": 32},
                          "last_event_id": {"type": "integer", "minimum": 0, "description":
                                            "resume after this position (or Last-Event-ID)"}}),
            Operation("GET", "/api/leaderboard", history.leaderboard,
                      "The best players of a game: match wins, then score", token=False,
                      limited=False, answer=LEADERBOARD, errors=(400,), query={
                          "game": {"type": "string", "maxLength": 32}, "limit": limit}),
            Operation("GET", "/api/matches", history.recent, "The last public matches",
                      token=False, limited=False, errors=(400,), query={"limit": limit},
                      answer={"type": "object", "required": ["matches"], "properties": {
                          "matches": {"type": "array", "items": MATCH}}}),
            Operation("GET", "/api/matches/{room_id}", history.match,
                      "One ended match (a private room's with the admin token)", token=False,
                      limited=False, answer=MATCH, errors=(404,)),
            Operation("GET", HISTORY_FEED_PATH, history.feed,
                      "Server-sent events `history`: the top 10 and the last 10 matches, on "
                      "connect and on every change", token=False, limited=False,
                      media="text/event-stream", answer={"type": "object", "properties": {
                          "leaderboard": LEADERBOARD["properties"]["leaderboard"],
                          "matches": {"type": "array", "items": MATCH}}}),
        ]

    def node_lost(self, node: str) -> None:
        """``node.down`` (``lost``) for a dead node this node swept from the cluster."""
        self.log.emit(NODE_DOWN, node, {"node": node, "reason": "lost"})

    def collect(self) -> Iterator[Metric]:
        """Prometheus collector protocol: the pipeline's counters and the game events
        dropped as malformed."""
        yield from self.pipeline.collect()
        yield CounterMetricFamily("tickwire_game_events_dropped",
                                  "Game events dropped as malformed or too large",
                                  value=self.producer.game_events_dropped)

    async def _start(self, app: web.Application) -> None:
        await self.history.start()
        await self.pipeline.start()

    async def _close_readers(self, app: web.Application) -> None:
        self.stream.close()
        self.history_api.close()

    async def _stop(self, app: web.Application) -> None:
        """After the rooms closed (their ``room.ended`` is queued): store everything, let the
        sinks take what they can, stop."""
        await self.pipeline.stop()
        await self.history.shutdown()
