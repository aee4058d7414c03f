"""The soak's worker processes: bystanders, bots and attackers each run in a process of their
own, so an attacker's CPU does not delay a bystander's clock. Bots and attackers run at a lower
CPU priority (``LOAD_NICENESS``) than the server and the bystanders, as if on machines of their
own: on a small machine the load would otherwise delay the very clocks it times. Each reports a
snapshot of its counters every ``SNAPSHOT_EVERY`` seconds and a final one when it ends.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from typing import Any, Protocol

SNAPSHOT_EVERY = 2.0
FINISH_SECONDS = 40.0  # time a worker gets after its deadline: a resume under way may finish
READY_SECONDS = 30.0  # bots and attackers wait this long at most for the bystanders' rooms
LOAD_NICENESS = 10  # bots' and attackers' niceness, added to the soak's own


@dataclass(frozen=True, slots=True)
class WorkerPlan:
    """What one worker process does.

    :param role: ``bystanders``, ``bots`` or ``hostile``.
    :param index: which of the processes of that role.
    :param url: the server.
    :param until: monotonic time (system-wide on Linux) at which to stop.
    :param seed: seed for this worker's random choices.
    :param options: role-specific settings.
    """

    role: str
    index: int
    url: str
    until: float
    seed: int
    options: dict[str, Any] = field(default_factory=dict)


class Deadline:
    """When a worker stops: its plan's time, or sooner if the soak is interrupted."""

    def __init__(self, until: float) -> None:
        self.until = until

    def left(self) -> float:
        """Seconds to go (0 when over)."""
        return max(0.0, self.until - time.monotonic())

    def passed(self) -> bool:
        """True once over."""
        return time.monotonic() >= self.until

    def end_now(self) -> None:
        """Stop at once."""
        self.until = min(self.until, time.monotonic())


class Role(Protocol):
    """What a worker runs: ``run`` until the deadline, ``snapshot`` at any time."""

    async def run(self) -> None:
        """Do the work until the deadline passes; close everything."""

    def snapshot(self) -> dict[str, Any]:
        """Counters so far, as plain picklable data."""


def work(plan: WorkerPlan, queue: Queue[Any], stop: Event, seated: Event) -> None:
    """A worker process's entry point: run the role and report to ``queue``. The bystanders
    set ``seated`` once their rooms play; the others start then (the bystanders' ticks are
    timed from before the first bot or attack)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the soak's main process ends us
    if plan.role != "bystanders":
        os.nice(LOAD_NICENESS)
    asyncio.run(_work(plan, queue, stop, seated))


def _role(plan: WorkerPlan, deadline: Deadline, seated: Event) -> Role:
    if plan.role == "bystanders":
        from bench.soak.bystanders import Bystanders
        return Bystanders(plan, deadline, seated.set)
    if plan.role == "bots":
        from bench.soak.bots import Swarm
        return Swarm(plan, deadline)
    from bench.soak.hostile import Hostile
    return Hostile(plan, deadline)


async def _work(plan: WorkerPlan, queue: Queue[Any], stop: Event, seated: Event) -> None:
    deadline = Deadline(plan.until)
    role = _role(plan, deadline, seated)
    if plan.role != "bystanders":
        wait_until = time.monotonic() + READY_SECONDS
        while not seated.is_set() and time.monotonic() < min(wait_until, deadline.until):
            await asyncio.sleep(0.1)
    running = asyncio.create_task(role.run())
    while not running.done():
        await asyncio.wait({running}, timeout=SNAPSHOT_EVERY)
        if stop.is_set():
            deadline.end_now()
        if time.monotonic() > deadline.until + FINISH_SECONDS:
            running.cancel()
        queue.put((plan.role, plan.index, "snapshot", role.snapshot()))
    if not running.cancelled() and running.exception() is not None:
        error = running.exception()
        queue.put((plan.role, plan.index, "error", "".join(
            traceback.format_exception(error))[-2000:]))
    queue.put((plan.role, plan.index, "final", role.snapshot()))
