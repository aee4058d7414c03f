"""The server's answers as the client library hands them out: ``Joined`` when a room took
us in, ``TickwireError`` when the server refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class TickwireError(Exception):
    """The server refused a request or a connection: ``code`` and ``message`` say why;
    ``redirect`` is the ``moved`` answer's ``{url, reservation?, room?}`` (the client follows
    those by itself)."""

    def __init__(self, code: str, message: str, redirect: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.redirect = redirect


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
