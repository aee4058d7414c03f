"""What every soak attack shares: where it attacks from and to, how an episode ended, and
the timing every attack respects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.soak.rawws import CONNECT, RawWebSocket, Refused
from shared.protocol import EVENTS

GIVE_UP = 5.0  # seconds past its bound an attack goes on before it counts as survived
# rooms an attacker asks for, dearest first: it takes the first the server's caps allow
ROOM_CHOICES: tuple[dict[str, Any], ...] = (
    {"tick_rate": 60, "settings": {"npcs": 64}}, {"tick_rate": 30, "settings": {"npcs": 64}},
    {"tick_rate": 30, "settings": {"npcs": 32}}, {"tick_rate": 20, "settings": {"npcs": 16}}, {})
INPUT = [EVENTS.input, [1, 1.0, 0.0, 0.0, False]]


@dataclass(frozen=True, slots=True)
class Target:
    """Where to attack from and to: the server's loopback address and the attacker's."""

    host: str
    port: int
    source: str

    async def websocket(self, **options: Any) -> RawWebSocket:
        """An Engine.IO websocket session (see ``RawWebSocket.open``)."""
        return await RawWebSocket.open(self.host, self.port, self.source, **options)

    async def session(self, **options: Any) -> RawWebSocket:
        """A websocket connected to the default namespace; ``Refused`` if the server says no."""
        ws = await self.websocket(**options)
        try:
            answer = await ws.connect()
        except BaseException:
            await ws.close()
            raise
        if answer.get("type") != CONNECT:
            await ws.close()
            raise Refused(refusal_code(answer.get("data")))
        return ws


@dataclass(frozen=True, slots=True)
class Finding:
    """How one attack ended: ``result``, after ``seconds`` (None if never), against
    ``bound`` seconds, and ``detail`` in words."""

    result: str
    seconds: float | None
    bound: float
    detail: str = ""


def ended(bound: float, began: float, cut_at: float | None, detail: str) -> Finding:
    """``cut`` after ``cut_at - began`` seconds, or ``survived`` when ``cut_at`` is None."""
    if cut_at is None:
        return Finding("survived", None, bound, detail)
    return Finding("cut", max(0.0, cut_at - began), bound, detail)


def heartbeat_bound(ws: RawWebSocket) -> float:
    """Ping interval + ping timeout + 1 s, as the server advertised them."""
    assert ws.handshake is not None
    return ws.handshake.ping_interval + ws.handshake.ping_timeout + 1.0


def refusal_code(answer: Any) -> str:
    """The ``code`` of a refusal (an ack's answer or a CONNECT_ERROR's data), in short."""
    if isinstance(answer, dict):
        inner = answer.get("data") if isinstance(answer.get("data"), dict) else answer
        return str(inner.get("code") or inner.get("message") or "refused")[:40]
    return repr(answer)[:40]


async def costly_room(ws: RawWebSocket, start: int = 0) -> tuple[dict[str, Any], int]:
    """Create the dearest room of ``ROOM_CHOICES`` (from ``start`` on) that the server does
    not refuse as ``bad_settings``; returns the answer and the index of the choice it
    answered (the next call may start there)."""
    for index in range(start, len(ROOM_CHOICES)):
        answer = await ws.request(EVENTS.create, ROOM_CHOICES[index])
        if answer.get("code") != "bad_settings":
            return answer, index
    return answer, len(ROOM_CHOICES) - 1


def room_words(index: int) -> str:
    """``ROOM_CHOICES[index]`` in words."""
    choice = ROOM_CHOICES[index]
    if not choice:
        return "default settings"
    return f"{choice['tick_rate']} Hz, {choice['settings']['npcs']} NPCs"
