"""Logging that clients cannot turn into a flood, written as readable text or JSON lines.

Whatever a client does, the log grows by a bounded amount: records are rate-limited per logger
(the rest are counted in ``/metrics`` as ``tickwire_log_records_suppressed_total``), and records
from the Socket.IO stack lose their tracebacks, since what reaches them from outside is a
client's mistake, not ours. python-engineio and python-socketio log through plain child loggers
of ``tickwire`` (no handler of their own), so every record is written once, by the root handler.

``configure_logging`` picks the format (``--log-format text|json``); every line names the node,
and the room and player it concerns when it concerns one (``in_room`` for ``extra=``, or the
context the gateway sets while it handles a request).
"""

from __future__ import annotations

import json
import logging
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

RECORDS_PER_SECOND = 20.0
BURST = 100.0
MAX_LOGGERS = 1000
LIBRARY_LOGGERS = ("tickwire.engineio", "tickwire.socketio", "aiohttp.server", "aiohttp.web",
                   "aiohttp.websocket")


class LogGuard(logging.Filter):
    """A filter allowing each logger ``rate`` records a second on average (bursts of
    ``burst``); ``suppressed`` counts the records it dropped."""

    def __init__(self, rate: float = RECORDS_PER_SECOND, burst: float = BURST) -> None:
        super().__init__()
        self.rate = rate
        self.burst = burst
        self.suppressed = 0
        self._allowance: dict[str, tuple[float, float]] = {}  # logger -> (tokens, stamp)

    def filter(self, record: logging.LogRecord) -> bool:
        """Let ``record`` through if its logger has allowance left."""
        now = time.monotonic()
        tokens, stamp = self._allowance.get(record.name, (self.burst, now))
        tokens = min(self.burst, tokens + (now - stamp) * self.rate)
        if tokens < 1.0:
            self.suppressed += 1
            self._allowance[record.name] = (tokens, now)
            return False
        if len(self._allowance) >= MAX_LOGGERS and record.name not in self._allowance:
            self._allowance.clear()
        self._allowance[record.name] = (tokens - 1.0, now)
        if record.name in LIBRARY_LOGGERS and record.exc_info:
            record.msg = f"{record.getMessage()} ({record.exc_info[1]!r})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


LOG_GUARD = LogGuard()


def guarded(name: str) -> logging.Logger:
    """The logger ``name`` with the process's ``LOG_GUARD`` on it."""
    logger = logging.getLogger(name)
    if LOG_GUARD not in logger.filters:
        logger.addFilter(LOG_GUARD)
    return logger


def library_logger(name: str) -> logging.Logger:
    """A guarded logger for python-engineio or python-socketio that writes errors only: they
    log every packet at INFO level and what clients do wrong as warnings (an "Application
    rejected connection" per refused handshake), which Tickwire counts in /metrics instead."""
    logger = guarded(name)
    logger.setLevel(logging.ERROR)
    return logger


def guard_libraries() -> None:
    """Put the guard on the library loggers a client can make write."""
    for name in LIBRARY_LOGGERS:
        guarded(name)


# -- formats and context ----------------------------------------------------------------------

LOG_ROOM: ContextVar[str | None] = ContextVar("tickwire_log_room", default=None)
LOG_PLAYER: ContextVar[int | None] = ContextVar("tickwire_log_player", default=None)
CONTEXT_FIELDS = ("node", "room_id", "player_id")
_node = ""


def set_log_node(node: str) -> None:
    """Name this process's node on every record from now on."""
    global _node
    _node = node


def in_room(room_id: str, player_id: int | None = None) -> dict[str, Any]:
    """``extra=`` for a record about a room (and a player in it)."""
    return {"room_id": room_id, "player_id": player_id}


def context_of(record: logging.LogRecord) -> dict[str, Any]:
    """The node, room id and player id of ``record``: given with ``extra=`` (``in_room``),
    else from the context (``LOG_ROOM``, ``LOG_PLAYER``, set while the gateway handles a
    request of a connection in a room)."""
    room_id = getattr(record, "room_id", None) or LOG_ROOM.get()
    player_id = getattr(record, "player_id", None) or (LOG_PLAYER.get() if room_id else None)
    fields = {"node": _node or None, "room_id": room_id, "player_id": player_id}
    return {key: value for key, value in fields.items() if value is not None}


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message [room=... player=...]``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """One readable line (a traceback below it, when there is one)."""
        text = super().format(record)
        context = context_of(record)
        context.pop("node", None)
        if not context:
            return text
        where = " ".join(f"{key.removesuffix('_id')}={value}" for key, value in context.items())
        first, newline, rest = text.partition("\n")
        return f"{first} [{where}]{newline}{rest}"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``time``, ``level``, ``logger``, ``message``, ``node``,
    ``room_id`` and ``player_id`` where they apply, ``exception`` with a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            **context_of(record)}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    """Write INFO and above to stderr as ``text`` or ``json`` lines."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
