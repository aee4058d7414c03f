"""The match history's HTTP API.

- ``GET /api/leaderboard?game=arena&limit=10``: ``{"game", "leaderboard": [{name, matches,
  wins, score}]}``, best first (wins, then score); ``limit`` 1-100.
- ``GET /api/matches?limit=10``: ``{"matches": [...]}``, the last public matches, newest
  first.
- ``GET /api/matches/<room id>``: one match (``room_id, game, public, reason, ended_at,
  duration, winner, players``); a private room's needs ``Authorization: Bearer
  <--admin-token>`` (404 otherwise, as for a room that has not ended).
- ``GET /api/history/feed``: server-sent events: ``history`` with ``{"leaderboard": [top 10 of
  the default game], "matches": [last 10]}`` on connect and whenever it changes (after a
  match is stored here, and every ``POLL_SECONDS`` for matches other nodes stored).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
from typing import Any

from aiohttp import web
from aiohttp_sse import sse_response

from server.history.consumer import HistorySink
from server.history.store import HistoryStore
from shared.protocol import DEFAULTS

FEED_EVENT = "history"
FEED_SIZE = 10
POLL_SECONDS = 10.0
MAX_LIMIT = 100
GAME_PATTERN = re.compile(r"[a-z0-9_]{1,32}")
ROOM_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
LEADERBOARD: dict[str, Any] = {"type": "object", "required": ["game", "leaderboard"],
                               "properties": {"game": {"type": "string"}, "leaderboard": {
                                   "type": "array", "items": {"type": "object", "properties": {
                                       "name": {"type": "string"},
                                       "matches": {"type": "integer"},
                                       "wins": {"type": "integer"},
                                       "score": {"type": "integer"}}}}}}
MATCH: dict[str, Any] = {"type": "object", "required": ["room_id", "game", "players"],
                         "properties": {
                             "room_id": {"type": "string"}, "game": {"type": "string"},
                             "public": {"type": "boolean"}, "reason": {"type": "string"},
                             "ended_at": {"type": "string"}, "duration": {"type": "number"},
                             "winner": {"type": ["string", "null"]},
                             "players": {"type": "array", "items": {"type": "object"},
                                         "description": "as in room.ended"}}}


class HistoryApi:
    """The endpoints above.

    :param store: where the matches are.
    :param consumer: tells when it stored a match.
    :param admin_token: lets a reader see private rooms' matches.
    """

    def __init__(self, store: HistoryStore, consumer: HistorySink, admin_token: str) -> None:
        self.store = store
        self.consumer = consumer
        self.expected = f"Bearer {admin_token}".encode() if admin_token else b""
        self.closing = asyncio.Event()

    async def leaderboard(self, request: web.Request) -> web.Response:
        """``GET /api/leaderboard``."""
        game = request.query.get("game", DEFAULTS.game)
        if not GAME_PATTERN.fullmatch(game):
            raise _bad("game: a game name")
        ranking = await self.store.leaderboard(game, _limit(request))
        return web.json_response({"game": game, "leaderboard": ranking})

    async def recent(self, request: web.Request) -> web.Response:
        """``GET /api/matches``."""
        return web.json_response({"matches": await self.store.recent(_limit(request))})

    async def match(self, request: web.Request) -> web.Response:
        """``GET /api/matches/<room id>``."""
        room_id = request.match_info["room_id"]
        found = await self.store.match(room_id) if ROOM_PATTERN.fullmatch(room_id) else None
        if found is None or not (found["public"] or self._admin(request)):
            raise web.HTTPNotFound(text=json.dumps({
                "ok": False, "code": "room_not_found", "message": "No ended match here"}),
                content_type="application/json")
        return web.json_response(found)

    async def feed(self, request: web.Request) -> web.StreamResponse:
        """``GET /api/history/feed``."""
        async with sse_response(request, send_timeout=5.0) as response:
            latest = ""
            while not self.closing.is_set():
                text = json.dumps(await self.snapshot(), separators=(",", ":"))
                if text != latest:
                    latest = text
                    await response.send(text, event=FEED_EVENT)
                await self._next_change()
        return response

    async def snapshot(self) -> dict[str, Any]:
        """What the lobby shows: the top players and the last matches."""
        return {"leaderboard": await self.store.leaderboard(DEFAULTS.game, FEED_SIZE),
                "matches": await self.store.recent(FEED_SIZE)}

    def close(self) -> None:
        """End every feed (server shutdown)."""
        self.closing.set()

    async def _next_change(self) -> None:
        async def stored() -> None:
            async with self.consumer.changed:
                await self.consumer.changed.wait()

        waits = [asyncio.ensure_future(stored()), asyncio.ensure_future(self.closing.wait())]
        try:
            await asyncio.wait(waits, timeout=POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await wait

    def _admin(self, request: web.Request) -> bool:
        given = request.headers.get("Authorization", "").encode()
        return bool(self.expected) and secrets.compare_digest(given, self.expected)


def _limit(request: web.Request) -> int:
    text = request.query.get("limit", str(FEED_SIZE))
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise _bad(f"limit: a whole number from 1 to {MAX_LIMIT}")
    return int(text)


def _bad(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"ok": False, "code": "bad_request",
                                               "message": message}),
                              content_type="application/json")
