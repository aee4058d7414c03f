"""What a bullet may hit: the arena's ships and drones bucketed by position once per tick, so a
bullet looks at the bodies around it instead of every body in the world (the large arena has
hundreds)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, Protocol, TypeVar


class Placed(Protocol):
    """Anything with a position."""

    x: float
    y: float


Body = TypeVar("Body", bound="Placed")


class Targets(Generic[Body]):
    """Bodies bucketed by position, each remembered with its place in the given order.

    :param bodies: ``(id, body)`` in the order hits are decided in.
    :param reach: the largest distance at which a body can be hit; ``near`` finds every body
        within it.
    """

    def __init__(self, bodies: Iterable[tuple[int, Body]], reach: float) -> None:
        self.size = reach
        self.buckets: dict[tuple[int, int], list[tuple[int, int, Body]]] = {}
        for order, (eid, body) in enumerate(bodies):
            key = (int(body.x // reach), int(body.y // reach))
            self.buckets.setdefault(key, []).append((order, eid, body))

    def near(self, x: float, y: float) -> list[tuple[int, Body]]:
        """``(id, body)`` of the bodies that were within ``reach`` of ``(x, y)`` when indexed
        (and a few farther), in the given order."""
        column, row = int(x // self.size), int(y // self.size)
        buckets = self.buckets
        found = [entry for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                 for entry in buckets.get((column + dx, row + dy), ())]
        found.sort(key=lambda entry: entry[0])
        return [(eid, body) for _, eid, body in found]
