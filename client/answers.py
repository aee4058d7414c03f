"""The server's answers as the client library hands them out: ``Joined`` when a room took
us in, ``TickwireError`` when the server refused (and ``retrying`` for refusals that say when
to try again)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


class TickwireError(Exception):
    """The server refused a request or a connection: ``code`` and ``message`` say why, and
    ``retry_after`` (seconds) when trying again later can succeed."""

    def __init__(self, code: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retry_after = retry_after

    @classmethod
    def from_answer(cls, answer: dict[str, Any]) -> TickwireError:
        """The error an ``{ok: false, code, message, retry_after?}`` answer carries."""
        retry_after = answer.get("retry_after")
        return cls(str(answer.get("code", "unknown")), str(answer.get("message", "")),
                   float(retry_after) if isinstance(retry_after, int | float) else None)


@dataclass(frozen=True, slots=True)
class Joined:
    """The answer to create / join / quick join."""

    room: dict[str, Any]
    player_id: int | None
    input_names: tuple[str, ...]

    @property
    def code(self) -> str:
        """The room's join code."""
        return self.room["code"]


async def retrying(attempt: Callable[[], Awaitable[T]], retry_for: float) -> T:
    """``attempt()``, tried again after each refusal's ``retry_after`` while the waits add up
    to no more than ``retry_for`` seconds; other refusals and the last one are raised."""
    waited = 0.0
    while True:
        try:
            return await attempt()
        except TickwireError as refused:
            wait = refused.retry_after
            if wait is None or waited + wait > retry_for:
                raise
            waited += wait
            await asyncio.sleep(wait)
