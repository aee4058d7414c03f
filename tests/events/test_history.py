"""The match history and leaderboard, a consumer of the event stream: matches stored from
``room.ended`` (SQLite by default, PostgreSQL with ``--db``), applied once however often an
event is delivered, served by ``/api/leaderboard``, ``/api/matches`` and the lobby's feed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from types import SimpleNamespace
from typing import Any

import aiohttp
import asyncpg
import pytest

from client import TickwireClient
from server.games import GAMES
from server.games.base import Game, GameResult, Player
from server.history import store as store_module
from server.history.store import Match, SqliteHistory
from shared.schema import EntitySchema, InputField, InputSchema, SettingsSchema, num
from tests.events.brokers import POSTGRES_URL
from tests.events.helpers import get_json, serving, settled
from tests.helpers import config_with

TOKEN = "admin-token-for-tests"


class Duel(Game):
    """A test game: each input scores its ``points``; the best score wins."""

    name = "duel"
    entity_schema = EntitySchema(num("x"))
    input_schema = InputSchema(InputField("points", "int", 0, 10))
    settings_schema = SettingsSchema()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scores: dict[int, int] = {}

    def join(self, player: Player) -> None:
        self.entities[player.id] = SimpleNamespace(x=0)
        self.scores.setdefault(player.id, 0)

    def apply(self, player: Player, values: dict[str, Any]) -> None:
        self.scores[player.id] += values["points"]

    def result(self) -> GameResult:
        return GameResult(dict(self.scores),
                          max(self.scores, key=self.scores.__getitem__, default=None))


GAMES_WITH_DUEL = {**GAMES, Duel.name: Duel}


async def duel(url: str, points: dict[str, int], public: bool = True) -> str:
    """A duel where each named player scores its points; returns the room id once every
    player left."""
    clients = {name: TickwireClient(name) for name in points}
    first, *others = clients.values()
    for client in clients.values():
        await client.connect(url)
    seat = await first.create_room(game="duel", public=public)
    for client in others:
        await client.join(code=seat.code)
    for name, client in clients.items():
        seq = await client.send_input(points=points[name])
        await client.wait_until(lambda m, seq=seq: m.ack >= seq)
    for client in clients.values():
        await client.leave()
        await client.disconnect()
    return seat.room["id"]


async def play_and_read(config) -> dict[str, Any]:
    async with serving(config, GAMES_WITH_DUEL) as (server, service):
        first = await duel(server.url, {"ann": 7, "bob": 3})
        second = await duel(server.url, {"ann": 2, "bob": 9, "cy": 1})
        private = await duel(server.url, {"dee": 10}, public=False)
        for room_id in (first, second, private):
            await settled(server, service, room_id)
        url = server.url
        answers = {
            "leaderboard": await get_json(f"{url}/api/leaderboard?game=duel"),
            "recent": await get_json(f"{url}/api/matches?limit=5"),
            "first": await get_json(f"{url}/api/matches/{first}"),
            "private": await get_json(f"{url}/api/matches/{private}"),
            "private_admin": await get_json(f"{url}/api/matches/{private}",
                                            {"Authorization": f"Bearer {TOKEN}"}),
            "bad_limit": await get_json(f"{url}/api/leaderboard?limit=1000"),
        }
        return answers | {"ids": (first, second, private)}


def check_answers(answers: dict[str, Any]) -> None:
    first, second, _private = answers["ids"]
    status, board = answers["leaderboard"]
    assert status == 200
    assert board["leaderboard"] == [  # by wins, then score
        {"name": "bob", "matches": 2, "wins": 1, "score": 12},
        {"name": "dee", "matches": 1, "wins": 1, "score": 10},
        {"name": "ann", "matches": 2, "wins": 1, "score": 9},
        {"name": "cy", "matches": 1, "wins": 0, "score": 1}]
    status, recent = answers["recent"]
    assert [m["room_id"] for m in recent["matches"]] == [second, first]  # public only
    status, match = answers["first"]
    assert status == 200 and match["winner"] == "ann" and match["game"] == "duel"
    assert [(p["name"], p["score"]) for p in match["players"]] == [("ann", 7), ("bob", 3)]
    assert answers["private"][0] == 404
    assert answers["private_admin"][0] == 200
    assert answers["bad_limit"][0] == 400 and answers["bad_limit"][1]["code"] == "bad_request"


async def test_matches_and_leaderboard_in_sqlite(tmp_path):
    check_answers(await play_and_read(config_with(data_dir=str(tmp_path), admin_token=TOKEN)))
    assert (tmp_path / "history.sqlite3").exists()


@pytest.fixture
async def postgres_schema():
    """A schema of its own in the local PostgreSQL's ``test`` database, dropped afterwards."""
    schema = f"tw_test_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(POSTGRES_URL)
    await connection.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_URL}?search_path={schema}"
    finally:
        await connection.execute(f"DROP SCHEMA {schema} CASCADE")
        await connection.close()


async def test_matches_and_leaderboard_in_postgresql(postgres_schema, tmp_path):
    config = config_with(data_dir=str(tmp_path), admin_token=TOKEN, db=postgres_schema)
    check_answers(await play_and_read(config))
    assert not (tmp_path / "history.sqlite3").exists()


async def test_a_result_delivered_twice_counts_once(postgres_schema, tmp_path):
    config = config_with(data_dir=str(tmp_path), db=postgres_schema)
    async with serving(config, GAMES_WITH_DUEL) as (server, service):
        room_id = await duel(server.url, {"ann": 4, "bob": 1})
        await settled(server, service, room_id)
        stored = await service.outbox.read(0, 1000)
        ended = [event for event in stored if event.type == "room.ended"]
        await service.history.send(ended)  # as after a retry: the same events again
        _, board = await get_json(f"{server.url}/api/leaderboard?game=duel")
    assert board["leaderboard"][0] == {"name": "ann", "matches": 1, "wins": 1, "score": 4}


async def test_the_lobby_feed_shows_each_new_match(tmp_path):
    async with serving(config_with(data_dir=str(tmp_path)), GAMES_WITH_DUEL) as (server, _), \
            aiohttp.ClientSession() as session, \
            session.get(f"{server.url}/api/history/feed") as feed:
        assert (await _next_snapshot(feed)) == {"leaderboard": [], "matches": []}
        host = TickwireClient("host")
        await host.connect(server.url)
        await host.create_room(public=True)  # an arena match, the lobby's game
        await host.leave()
        await host.disconnect()
        snapshot = await _next_snapshot(feed)
    assert [p["name"] for p in snapshot["matches"][0]["players"]] == ["host"]
    assert snapshot["leaderboard"] == [{"name": "host", "matches": 1, "wins": 0, "score": 0}]


async def _next_snapshot(feed: aiohttp.ClientResponse) -> dict[str, Any]:
    async with asyncio.timeout(10):
        while True:
            line = (await feed.content.readline()).decode().rstrip("\r\n")
            if line.startswith("data:"):
                with contextlib.suppress(json.JSONDecodeError):
                    return json.loads(line[5:])


def _ended(number: int) -> Match:
    """Match ``number``, won by ``p<number>`` alone."""
    name = f"p{number}"
    return Match(f"room-{number}", "duel", True, "empty", f"2026-11-30T00:00:{number:02d}Z",
                 1.0, name, 1, [{"player_id": 1, "name": name, "score": number}])


@pytest.mark.parametrize("in_memory", [True, False])
async def test_history_in_memory_keeps_only_the_latest_matches(in_memory, tmp_path,
                                                               monkeypatch):
    monkeypatch.setattr(store_module, "MEMORY_MATCHES", 3)
    history = SqliteHistory("" if in_memory else str(tmp_path))
    await history.open()
    try:
        for number in range(1, 6):
            assert await history.record(f"event-{number}", _ended(number))
        kept = [row["room_id"] for row in await history.recent(10)]
        board = {row["name"] for row in await history.leaderboard("duel", 10)}
        assert await history.record("event-5", _ended(5)) is False  # still applied once
        first = await history.match("room-1")
    finally:
        await history.close()
    expected = range(5, 2, -1) if in_memory else range(5, 0, -1)
    assert kept == [f"room-{number}" for number in expected]
    assert board == {f"p{number}" for number in expected}
    assert (first is None) == in_memory
