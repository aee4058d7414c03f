"""Logging that clients cannot turn into a flood.

Whatever a client does, the log grows by a bounded amount: records are rate-limited per logger
(the rest are counted in ``/metrics`` as ``tickwire_log_records_suppressed_total``), and records
from the Socket.IO stack lose their tracebacks, since what reaches them from outside is a
client's mistake, not ours. python-engineio and python-socketio log through plain child loggers
of ``tickwire`` (no handler of their own), so every record is written once, by the root handler.
"""

from __future__ import annotations

import logging
import time

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
    """A guarded logger for python-engineio or python-socketio that writes warnings and
    errors only (they log every packet at INFO level)."""
    logger = guarded(name)
    logger.setLevel(logging.WARNING)
    return logger


def guard_libraries() -> None:
    """Put the guard on the library loggers a client can make write."""
    for name in LIBRARY_LOGGERS:
        guarded(name)
