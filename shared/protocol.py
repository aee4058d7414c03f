"""The Tickwire wire protocol, loaded from ``protocol.json``.

``protocol.json`` is the single source of truth: the Python server and client read it here,
the browser bundle imports the same file. This module only gives it typed names.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEC: dict[str, Any] = json.loads((Path(__file__).with_name("protocol.json")).read_text())

VERSION: int = SPEC["version"]
CODE_ALPHABET: str = SPEC["code_alphabet"]
ERROR_MESSAGES: dict[str, str] = SPEC["errors"]
ROOM_FEED_PATH: str = SPEC["http"]["room_feed"]
HISTORY_FEED_PATH: str = SPEC["http"]["history_feed"]


@dataclass(frozen=True, slots=True)
class Events:
    """Socket.IO event names. Short names are the ones sent every tick."""

    create: str
    join: str
    quick_join: str
    resume: str
    leave: str
    list_rooms: str
    kick: str
    settings: str
    start: str
    sync: str
    ping: str
    input: str
    state: str
    room: str
    closed: str
    error: str
    bye: str
    message: str
    announce: str


@dataclass(frozen=True, slots=True)
class StateLayout:
    """Positions inside a state (delta) message list."""

    tick: int
    groups: int
    acks: int
    spawns: int
    removes: int
    departed: int


@dataclass(frozen=True, slots=True)
class KeyframeLayout:
    """Positions inside a keyframe message list."""

    tick: int
    entities: int
    acks: int


@dataclass(frozen=True, slots=True)
class CellStateLayout:
    """Positions inside a state message of a game with interest management."""

    tick: int
    ack: int
    drops: int
    loads: int
    updates: int


@dataclass(frozen=True, slots=True)
class Limits:
    """Protocol-wide bounds; servers may configure tighter ones."""

    code_length: int
    name_max_length: int
    max_players: int
    max_spectators: int
    max_event_bytes: int
    max_seq: int
    max_inputs_per_tick: int
    max_tick_rate: int
    max_metadata_entries: int
    max_metadata_chars: int
    max_game_message_bytes: int
    max_game_messages_per_tick: int


@dataclass(frozen=True, slots=True)
class Defaults:
    """What a room request gets for a field it leaves out (``create`` and ``quick``)."""

    game: str
    max_players: int
    max_spectators: int


EVENTS = Events(**SPEC["events"])
STATE = StateLayout(**SPEC["state"])
KEYFRAME = KeyframeLayout(**SPEC["keyframe"])
CELL_STATE = CellStateLayout(**SPEC["cell_state"])
LIMITS = Limits(**SPEC["limits"])
DEFAULTS = Defaults(**SPEC["defaults"])


class ProtocolError(Exception):
    """An error with a protocol error code, answered to the client as ``{code, message}``."""

    def __init__(self, code: str, message: str | None = None,
                 retry_after: float | None = None) -> None:
        if code not in ERROR_MESSAGES:
            raise ValueError(f"unknown error code {code!r}")
        self.code = code
        self.message = message or ERROR_MESSAGES[code]
        self.retry_after = retry_after
        super().__init__(f"{code}: {self.message}")

    def to_wire(self) -> dict[str, Any]:
        """The error as it travels in an acknowledgement: ``{ok: False, code, message}``, plus
        ``retry_after`` (seconds) when trying again later can succeed."""
        wire: dict[str, Any] = {"ok": False, "code": self.code, "message": self.message}
        if self.retry_after is not None:
            wire["retry_after"] = math.ceil(self.retry_after * 10) / 10
        return wire


class Moved(ProtocolError):
    """The answer when the room lives on another node of a cluster: connect to ``url`` and
    send ``join {reservation}`` there (or, without a reservation, ``resume`` the seat).

    :param url: the owner node's public URL.
    :param reservation: an opaque single-use seat reservation, or None for a resume.
    :param room: the room's id.
    """

    def __init__(self, url: str, reservation: str | None = None, room: str | None = None
                 ) -> None:
        super().__init__("moved")
        self.redirect: dict[str, str] = {"url": url}
        if reservation is not None:
            self.redirect["reservation"] = reservation
        if room is not None:
            self.redirect["room"] = room

    def to_wire(self) -> dict[str, Any]:
        """``{ok: False, code: "moved", message, redirect: {url, reservation?, room?}}``."""
        return super().to_wire() | {"redirect": self.redirect}


NAME_PUNCTUATION = " _.-"


def clean_name(raw: object) -> str:
    """A display name with outer spaces trimmed, or ``ProtocolError('bad_name')``.

    Names are 1 to ``name_max_length`` letters, digits, spaces or ``_.-``. Clients must still
    render them as text, never as markup.
    """
    if not isinstance(raw, str):
        raise ProtocolError("bad_name")
    name = " ".join(raw.split())
    if not 0 < len(name) <= LIMITS.name_max_length or not all(
        c.isalnum() or c in NAME_PUNCTUATION for c in name
    ):
        raise ProtocolError("bad_name")
    return name


def normalize_code(raw: str) -> str:
    """Canonical form of a user-typed join code: trimmed, upper case, inner spaces removed."""
    return "".join(raw.split()).upper()
