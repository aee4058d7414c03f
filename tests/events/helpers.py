"""Helpers for the event tests: the shared/events schemas, a CloudEvents HTTP receiver, a
server with events, and order checks."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import jsonschema
from aiohttp import web
from aiohttp.test_utils import TestServer
from referencing import Registry, Resource

from server.app import EVENT_SERVICE, build_app
from server.config import ServerConfig
from server.events.service import EventService
from server.games import GAMES
from server.games.base import Game
from tests.helpers import ROOT, RunningServer

SCHEMAS = ROOT / "shared" / "events"
BATCH = "application/cloudevents-batch+json"
STRUCTURED = "application/cloudevents+json"


def _load_validators() -> dict[str, jsonschema.protocols.Validator]:
    schemas = {path.name: json.loads(path.read_text()) for path in SCHEMAS.glob("*.json")}
    registry: Registry = Registry().with_resources(
        (name, Resource.from_contents(schema)) for name, schema in schemas.items())
    return {name.removesuffix(".json"): jsonschema.Draft202012Validator(
        schema, registry=registry, format_checker=jsonschema.FormatChecker())
        for name, schema in schemas.items() if name != "cloudevent.json"}


VALIDATORS = _load_validators()


def check_event(envelope: dict[str, Any]) -> dict[str, Any]:
    """Fail unless ``envelope`` is valid against its type's schema in shared/events; returns
    it."""
    validator = VALIDATORS.get(envelope.get("type", ""))
    assert validator is not None, f"no schema in shared/events for {envelope.get('type')!r}"
    validator.validate(envelope)
    return envelope


def unique(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``events`` without repeats (same id), in first-seen order."""
    seen: set[str] = set()
    return [e for e in events if not (e["id"] in seen or seen.add(e["id"]))]


def assert_room_order(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Every room's events (repeats removed) arrived in order, numbered 1, 2, 3... with
    none missing. Returns them by room."""
    rooms: dict[str, list[dict[str, Any]]] = {}
    for event in unique(events):
        if "roomseq" in event:
            rooms.setdefault(event["subject"], []).append(event)
    for room, trail in rooms.items():
        numbers = [event["roomseq"] for event in trail]
        assert numbers == list(range(1, len(numbers) + 1)), f"room {room}: {numbers}"
    return rooms


class Receiver:
    """A CloudEvents HTTP receiver on 127.0.0.1: takes batches, structured and binary
    events, checks each against its schema, and keeps them in arrival order.

    :param token: the ``Authorization: Bearer`` it requires (empty: none).
    :param sas_key: the ``aeg-sas-key`` header it requires (empty: none).
    :param delay: seconds it takes to answer each request.
    """

    def __init__(self, token: str = "", sas_key: str = "", delay: float = 0.0) -> None:
        self.token = token
        self.sas_key = sas_key
        self.delay = delay
        self.events: list[dict[str, Any]] = []
        self.requests: list[dict[str, str]] = []  # headers of every request
        self.status = 200
        self.changed = asyncio.Condition()
        self.server: TestServer | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """Where it listens (``/hook``)."""
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self, port: int = 0) -> None:
        """Listen (again) on ``port`` (0: a free one)."""
        app = web.Application()
        app.router.add_post("/hook", self._take)
        self.server = TestServer(app, host="127.0.0.1", port=port or self.port)
        await self.server.start_server()
        self.port = self.server.port or 0

    async def stop(self) -> None:
        """Stop listening."""
        if self.server is not None:
            await self.server.close()
            self.server = None

    async def wait_for(self, condition: Callable[[list[dict[str, Any]]], bool],
                       timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until ``condition(events)`` holds; returns the events."""
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(lambda: condition(self.events))
        return self.events

    async def _take(self, request: web.Request) -> web.Response:
        self.requests.append(dict(request.headers))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.token and request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.Response(status=401)
        if self.sas_key and request.headers.get("aeg-sas-key") != self.sas_key:
            return web.Response(status=401)
        if self.status != 200:
            return web.Response(status=self.status)
        kind = request.headers.get("Content-Type", "").split(";")[0]
        body = await request.read()
        if kind == BATCH:
            received = json.loads(body)
        elif kind == STRUCTURED:
            received = [json.loads(body)]
        else:  # binary mode: the attributes in ce-* headers
            received = [{name[3:].lower(): value for name, value in request.headers.items()
                         if name.lower().startswith("ce-")}
                        | {"datacontenttype": kind, "data": json.loads(body)}]
            received[0]["roomseq"] = int(received[0].get("roomseq", 0)) or None
            if received[0]["roomseq"] is None:
                del received[0]["roomseq"]
        for envelope in received:
            check_event(envelope)
        async with self.changed:
            self.events.extend(received)
            self.changed.notify_all()
        return web.Response(status=200)


@contextlib.asynccontextmanager
async def serving(config: ServerConfig, games: dict[str, type[Game]] | None = None
                  ) -> AsyncIterator[tuple[RunningServer, EventService]]:
    """A server with ``config`` on a free loopback port, and its event service."""
    server = TestServer(build_app(config, games or GAMES), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield RunningServer(server), server.app[EVENT_SERVICE]
    finally:
        await server.close()


async def get_json(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """GET ``url``: its status and JSON body."""
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as reply:
        return reply.status, await reply.json(content_type=None)


async def until(condition: Callable[[], bool], timeout: float = 10.0,
                what: str = "the condition") -> None:
    """Poll ``condition`` (cheap, in-process state) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not hold within {timeout} s"
        await asyncio.sleep(0.02)


def types_of(events: list[dict[str, Any]], subject: str | None = None) -> list[str]:
    """The types of ``events`` (of one room when ``subject`` is given), repeats removed."""
    return [e["type"] for e in unique(events) if subject is None or e["subject"] == subject]


async def settled(server: RunningServer, service: EventService, room_id: str,
                  timeout: float = 10.0) -> None:
    """Room ``room_id`` closed, and every sink acknowledged every event produced so far."""
    await until(lambda: room_id not in server.lobby.rooms, timeout, f"room {room_id} closing")
    await until(lambda: service.pipeline.produced == service.log.emitted
                and all(d.depth == 0 for d in service.pipeline.deliveries), timeout,
                "every sink having every event")
