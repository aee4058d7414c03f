"""Bounded, awaitable records of what a server sent besides state (error events, game
messages), for bots and tests."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")


class Inbox(deque[Item], Generic[Item]):
    """The latest ``maxlen`` items, oldest first, and a way to wait for one.

    :param maxlen: how many items are kept.
    """

    def __init__(self, maxlen: int) -> None:
        super().__init__(maxlen=maxlen)
        self._arrived = asyncio.Event()

    def add(self, item: Item) -> None:
        """Keep ``item`` (dropping the oldest when full) and wake whoever waits."""
        self.append(item)
        self._arrived.set()

    async def first(self, predicate: Callable[[Item], bool], timeout: float) -> Item:
        """The first kept item that satisfies ``predicate``, waiting for new ones until one
        does; ``TimeoutError`` after ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while True:
                for item in self:
                    if predicate(item):
                        return item
                self._arrived.clear()
                await self._arrived.wait()
