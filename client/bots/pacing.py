"""Pacing the bots' room requests to the server's limits.

A server limits room requests per client address, and all bots of one machine share one. The
pacer lets one request out at a time and, after a refusal that says when to try again
(``retry_after``), lets nobody ask before then: the bots ramp up at the pace the server allows
instead of hammering it, and retry until they are in or their patience runs out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from client.answers import TickwireError

T = TypeVar("T")


class Pacer:
    """One room request at a time, at the server's pace.

    :param patience: seconds one request may wait for its turn and its retries.
    """

    def __init__(self, patience: float) -> None:
        self.patience = patience
        self.waits = 0  # refusals that said when to try again
        self._turn = asyncio.Lock()
        self._not_before = 0.0

    async def attempt(self, request: Callable[[], Awaitable[T]]) -> T:
        """``request()``, retried after refusals that say when, within ``patience``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.patience
        while True:
            async with self._turn:
                await asyncio.sleep(max(0.0, self._not_before - loop.time()))
                try:
                    return await request()
                except TickwireError as refused:
                    wait = refused.retry_after
                    if wait is None or loop.time() + wait > deadline:
                        raise
                    self.waits += 1
                    self._not_before = loop.time() + wait
