"""The rotating attackers: ``slots`` attacks at a time, each replaced by the next when it ends,
cycling through the chosen attacks of ``bench.soak.attacks`` (the starting point depends on
the seed). Each episode connects from an address of its own, 127.0.2.1 to 127.0.2.250 in
turn: an attacker's per-address limits are its own, as on the internet, and one attack
does not spend the next one's allowance.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import asdict, dataclass
from typing import Any

from bench.soak.attacks import ATTACKS, Attack
from bench.soak.episode import Target
from bench.soak.workers import Deadline, WorkerPlan

HUNG_AFTER = 180.0  # an attack still running after this long is stopped as broken
ADDRESSES = 250  # episodes come from 127.0.2.1 up to 127.0.2.250, then round again
SLOT_SECONDS = 3.0  # a slot starts its next attack this long after the last one at the soonest


@dataclass(frozen=True, slots=True)
class Outcome:
    """One attack episode: its kind, ``result`` (cut, refused, survived, broken or
    unfinished), ``seconds`` until the server ended it, the ``bound`` it had and a detail."""

    kind: str
    result: str
    seconds: float | None
    bound: float
    detail: str


class Hostile:
    """The attackers of the soak's hostile worker.

    Options: ``slots`` (attacks at a time), ``attacks`` (names of the attacks to cycle
    through, in ``ATTACKS`` order).
    """

    def __init__(self, plan: WorkerPlan, deadline: Deadline) -> None:
        self.deadline = deadline
        self.slots: int = plan.options["slots"]
        host, _, port = plan.url.removeprefix("http://").rpartition(":")
        self.host, self.port = host, int(port)
        chosen = tuple(a for a in ATTACKS if a.name in plan.options["attacks"])
        start = plan.seed % len(chosen)
        self.order = chosen[start:] + chosen[:start]
        self.started = 0
        self.outcomes: list[Outcome] = []
        self.running: dict[int, tuple[Attack, float]] = {}

    async def run(self) -> None:
        """Keep ``slots`` attacks going until the deadline; stop the running ones there."""
        slots = [asyncio.create_task(self._slot(n)) for n in range(self.slots)]
        await asyncio.sleep(self.deadline.left())
        while not self.deadline.passed():  # the deadline may have moved
            await asyncio.sleep(self.deadline.left())
        for slot in slots:
            slot.cancel()
        for slot in slots:
            with contextlib.suppress(asyncio.CancelledError):
                await slot
        for attack, began in self.running.values():
            self.outcomes.append(Outcome(attack.name, "unfinished", None, attack.bound,
                                         f"stopped by the end of the run after "
                                         f"{time.monotonic() - began:.1f} s"))
        self.running.clear()

    def snapshot(self) -> dict[str, Any]:
        """Every finished episode so far and how many are running."""
        return {"started": self.started, "running": len(self.running),
                "outcomes": [asdict(outcome) for outcome in self.outcomes]}

    async def _slot(self, index: int) -> None:
        while not self.deadline.passed():
            attack = self.order[self.started % len(self.order)]
            source = f"127.0.2.{self.started % ADDRESSES + 1}"
            self.started += 1
            began = time.monotonic()
            self.running[index] = (attack, began)
            outcome = await self._episode(attack, Target(self.host, self.port, source))
            del self.running[index]
            self.outcomes.append(outcome)
            await asyncio.sleep(max(0.0, began + SLOT_SECONDS - time.monotonic()))

    async def _episode(self, attack: Attack, target: Target) -> Outcome:
        try:
            async with asyncio.timeout(HUNG_AFTER):
                finding = await attack.run(target)
        except Exception as error:  # the attacker's own failure, reported as such
            detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            return Outcome(attack.name, "broken", None, attack.bound, detail[:200])
        return Outcome(attack.name, finding.result, finding.seconds, finding.bound,
                       finding.detail)
