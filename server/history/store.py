"""Where match history lives: SQLite (default, in the data directory) or PostgreSQL.

Three tables: ``processed_events`` (the id of every event applied, which makes applying
idempotent), ``matches`` (one row per ended room) and ``match_players`` (one row per player
of a match). Both stores run the same SQL; they differ in the driver and the placeholders
(``?`` for sqlite3, ``$1`` for asyncpg). The leaderboard ranks players by name (there are no
accounts): match wins, then total score.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS processed_events (id TEXT PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS matches (room_id TEXT PRIMARY KEY, game TEXT NOT NULL, "
    "public BOOLEAN NOT NULL, reason TEXT NOT NULL, ended_at TEXT NOT NULL, "
    "duration DOUBLE PRECISION NOT NULL, winner TEXT, players TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS match_players (room_id TEXT NOT NULL, player_id INTEGER NOT "
    "NULL, name TEXT NOT NULL, score INTEGER NOT NULL, won INTEGER NOT NULL, "
    "PRIMARY KEY (room_id, player_id))",
    "CREATE INDEX IF NOT EXISTS matches_ended ON matches (ended_at)",
]
MARK = "INSERT INTO processed_events (id) VALUES (?) ON CONFLICT DO NOTHING"
ADD_MATCH = ("INSERT INTO matches (room_id, game, public, reason, ended_at, duration, winner, "
             "players) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
ADD_PLAYER = ("INSERT INTO match_players (room_id, player_id, name, score, won) "
              "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
LEADERBOARD = ("SELECT p.name, COUNT(*), SUM(p.won), SUM(p.score) FROM match_players p "
               "JOIN matches m ON m.room_id = p.room_id WHERE m.game = ? GROUP BY p.name "
               "ORDER BY SUM(p.won) DESC, SUM(p.score) DESC, p.name LIMIT ?")
MATCH_COLUMNS = "room_id, game, public, reason, ended_at, duration, winner, players"
RECENT = f"SELECT {MATCH_COLUMNS} FROM matches WHERE public ORDER BY ended_at DESC LIMIT ?"
ONE = f"SELECT {MATCH_COLUMNS} FROM matches WHERE room_id = ?"
HISTORY_FILE = "history.sqlite3"
MEMORY_MATCHES = 1000  # the latest matches an in-memory history keeps (a file keeps them all)
# Past the bound, the oldest rows go: by rowid, which grows with every insert.
FORGET_OLDEST = [
    "DELETE FROM match_players WHERE room_id IN "
    "(SELECT room_id FROM matches WHERE rowid <= (SELECT MAX(rowid) FROM matches) - ?)",
    "DELETE FROM matches WHERE rowid <= (SELECT MAX(rowid) FROM matches) - ?",
    "DELETE FROM processed_events WHERE rowid <= (SELECT MAX(rowid) FROM processed_events) - ?",
]


@dataclass(frozen=True, slots=True)
class Match:
    """One ended room, as ``room.ended`` tells it."""

    room_id: str
    game: str
    public: bool
    reason: str
    ended_at: str
    duration: float
    winner: str | None
    winner_id: int | None
    players: list[dict[str, Any]]


class HistoryStore(Protocol):
    """What the history consumer and the API need from a store."""

    async def open(self) -> None:
        """Connect and create the tables."""

    async def close(self) -> None:
        """Disconnect."""

    async def record(self, event_id: str, match: Match | None) -> bool:
        """Apply event ``event_id`` once: store ``match`` (if any) unless the event was
        applied before. True when it was new."""

    async def leaderboard(self, game: str, limit: int) -> list[dict[str, Any]]:
        """The best players of ``game``: name, matches, wins, score."""

    async def recent(self, limit: int) -> list[dict[str, Any]]:
        """The last public matches, newest first."""

    async def match(self, room_id: str) -> dict[str, Any] | None:
        """The match of room ``room_id``, if it ended."""


class SqliteHistory:
    """The history in a SQLite file (one dedicated thread runs it).

    :param directory: where ``history.sqlite3`` lives; empty keeps it in memory, and then
        only the latest ``MEMORY_MATCHES`` matches (and their event ids), so a server without
        a data directory does not grow with every match it ever ended.
    """

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._db: sqlite3.Connection | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="history")

    async def open(self) -> None:
        """See ``HistoryStore``."""
        await self._run(self._open)

    async def close(self) -> None:
        """See ``HistoryStore``."""
        await self._run(self._close)
        self._thread.shutdown(wait=True)

    async def record(self, event_id: str, match: Match | None) -> bool:
        """See ``HistoryStore``."""
        return await self._run(self._record, event_id, match)

    async def leaderboard(self, game: str, limit: int) -> list[dict[str, Any]]:
        """See ``HistoryStore``."""
        return _ranking(await self._run(self._query, LEADERBOARD, (game, limit)))

    async def recent(self, limit: int) -> list[dict[str, Any]]:
        """See ``HistoryStore``."""
        return [_match(row) for row in await self._run(self._query, RECENT, (limit,))]

    async def match(self, room_id: str) -> dict[str, Any] | None:
        """See ``HistoryStore``."""
        rows = await self._run(self._query, ONE, (room_id,))
        return _match(rows[0]) if rows else None

    def _open(self) -> None:
        path = ":memory:"
        if self.directory:
            Path(self.directory).mkdir(parents=True, exist_ok=True)
            path = str(Path(self.directory) / HISTORY_FILE)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        for statement in SCHEMA:
            self._db.execute(statement)

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _record(self, event_id: str, match: Match | None) -> bool:
        assert self._db is not None, "open() first"
        with self._db as db:
            db.execute("BEGIN IMMEDIATE")
            if db.execute(MARK, (event_id,)).rowcount == 0:
                return False
            if match is not None:
                db.execute(ADD_MATCH, _match_row(match))
                db.executemany(ADD_PLAYER, _player_rows(match))
            if not self.directory:
                for statement in FORGET_OLDEST:
                    db.execute(statement, (MEMORY_MATCHES,))
            return True

    def _query(self, sql: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
        assert self._db is not None, "open() first"
        return self._db.execute(sql, parameters).fetchall()

    async def _run(self, call: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._thread, call, *args)


class PostgresHistory:
    """The history in PostgreSQL, through an asyncpg pool (several nodes may share it).

    :param url: ``postgresql://user:password@host:port/database``.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._pool: Any = None

    async def open(self) -> None:
        """See ``HistoryStore``."""
        import asyncpg

        self._pool = await asyncpg.create_pool(self.url, min_size=1, max_size=4)
        async with self._pool.acquire() as connection:
            for statement in SCHEMA:
                await connection.execute(statement)

    async def close(self) -> None:
        """See ``HistoryStore``."""
        if self._pool is not None:
            await self._pool.close()

    async def record(self, event_id: str, match: Match | None) -> bool:
        """See ``HistoryStore``."""
        async with self._pool.acquire() as connection, connection.transaction():
            if await connection.execute(_dollars(MARK), event_id) == "INSERT 0 0":
                return False
            if match is not None:
                await connection.execute(_dollars(ADD_MATCH), *_match_row(match))
                await connection.executemany(_dollars(ADD_PLAYER), _player_rows(match))
            return True

    async def leaderboard(self, game: str, limit: int) -> list[dict[str, Any]]:
        """See ``HistoryStore``."""
        return _ranking(await self._query(LEADERBOARD, game, limit))

    async def recent(self, limit: int) -> list[dict[str, Any]]:
        """See ``HistoryStore``."""
        return [_match(row) for row in await self._query(RECENT, limit)]

    async def match(self, room_id: str) -> dict[str, Any] | None:
        """See ``HistoryStore``."""
        rows = await self._query(ONE, room_id)
        return _match(rows[0]) if rows else None

    async def _query(self, sql: str, *parameters: Any) -> list[tuple[Any, ...]]:
        async with self._pool.acquire() as connection:
            return [tuple(row) for row in await connection.fetch(_dollars(sql), *parameters)]


def build_store(db: str, data_dir: str) -> HistoryStore:
    """PostgreSQL for a ``postgresql://`` URL, else SQLite in ``data_dir``."""
    if db:
        return PostgresHistory(db)
    return SqliteHistory(data_dir)


def _dollars(sql: str) -> str:
    """``?`` placeholders as asyncpg's ``$1, $2, ...``."""
    count = iter(range(1, sql.count("?") + 1))
    return re.sub(r"\?", lambda _: f"${next(count)}", sql)


def _match_row(match: Match) -> tuple[Any, ...]:
    return (match.room_id, match.game, match.public, match.reason, match.ended_at,
            match.duration, match.winner, json.dumps(match.players))


def _player_rows(match: Match) -> list[tuple[Any, ...]]:
    return [(match.room_id, p["player_id"], p["name"], p.get("score") or 0,
             int(p["player_id"] == match.winner_id)) for p in match.players]


def _ranking(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [{"name": name, "matches": int(matches), "wins": int(wins), "score": int(score)}
            for name, matches, wins, score in rows]


def _match(row: tuple[Any, ...]) -> dict[str, Any]:
    room_id, game, public, reason, ended_at, duration, winner, players = row
    return {"room_id": room_id, "game": game, "public": bool(public), "reason": reason,
            "ended_at": ended_at, "duration": duration, "winner": winner,
            "players": json.loads(players)}
