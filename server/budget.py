"""What rooms may cost: a CPU budget for the rooms clients create.

Every room declares what it may cost as its most entities times its tick rate
(``Game.max_entities`` x ticks per second, "entity-Hz"). A new room is refused
- with ``bad_settings`` when it alone would cost more than ``max_room_load`` or asks for a tick
  rate above ``max_client_tick_rate``;
- with ``rate_limited`` when its client address already keeps ``max_rooms_per_address`` rooms,
  or rooms that together cost ``max_load_per_address`` (so one address cannot take the whole
  server's budget);
- with ``server_busy`` when the rooms already running plus this one would cost more than
  ``max_load``, or when this process has lately used more than ``busy_cpu`` of a core (measured,
  so a server gets no new rooms before its ticks start to run late), or when rooms are being
  made faster than ``RAMP_SECONDS`` for the whole budget (so a burst of new rooms cannot
  outrun the CPU meter, which needs a few seconds to see what they cost).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server.games.base import Game
from server.limits import TokenBucket
from shared.protocol import ProtocolError

SAMPLE_SECONDS = 1.0  # how often the CPU meter samples
WINDOW_SAMPLES = 3  # the meter's "lately": the last three seconds
BUSY_RETRY = 5.0  # seconds a busy server tells clients to wait
RAMP_SECONDS = 20.0  # the whole load budget may be taken up in this long, not faster
RAMP_BURST = 0.1  # share of the budget that may be taken at once (at least one room's worth)


@dataclass(frozen=True, slots=True)
class BudgetLimits:
    """The budget's knobs (see the module docstring); ``busy_cpu`` 0 turns the CPU check
    off."""

    max_load: int
    max_load_per_address: int
    max_room_load: int
    busy_cpu: float
    max_rooms_per_address: int
    max_client_tick_rate: int


class CpuMeter:
    """This process's CPU use (1.0 = one core) over the last few seconds, sampled once a
    second on the event loop."""

    def __init__(self) -> None:
        self._samples: deque[tuple[float, float]] = deque(maxlen=WINDOW_SAMPLES + 1)
        self._handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Start sampling on the running loop."""
        self._sample()

    def stop(self) -> None:
        """Stop sampling."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    @property
    def busy(self) -> float:
        """CPU seconds per second over the window; 0 until two samples exist."""
        if len(self._samples) < 2:
            return 0.0
        (wall_0, cpu_0), (wall_1, cpu_1) = self._samples[0], self._samples[-1]
        return (cpu_1 - cpu_0) / (wall_1 - wall_0) if wall_1 > wall_0 else 0.0

    def _sample(self) -> None:
        self._samples.append((time.monotonic(), time.process_time()))
        self._handle = asyncio.get_running_loop().call_later(SAMPLE_SECONDS, self._sample)


class RoomBudget:
    """Charges every room its declared cost; see the module docstring.

    :param limits: the knobs.
    :param meter: this process's CPU use.
    """

    def __init__(self, limits: BudgetLimits, meter: CpuMeter) -> None:
        self.limits = limits
        self.meter = meter
        self.load = 0  # entity-Hz of the rooms charged now
        self._ramp = TokenBucket(limits.max_load / RAMP_SECONDS,
                                 max(limits.max_load * RAMP_BURST, limits.max_room_load))
        self._rooms: dict[str, tuple[str, int]] = {}  # room id -> (address, cost)
        self._per_address: Counter[str] = Counter()
        self._load_per_address: Counter[str] = Counter()

    def cost(self, game_class: type[Game], settings: Mapping[str, Any], max_players: int,
             tick_rate: int) -> int:
        """What a room may cost, in entity-Hz."""
        return game_class.max_entities(settings, max_players) * tick_rate

    def check(self, address: str, cost: int, tick_rate: int) -> None:
        """Refuse a new room of ``cost`` for ``address`` that does not fit."""
        limits = self.limits
        if tick_rate > limits.max_client_tick_rate:
            raise ProtocolError(
                "bad_settings", f"This server runs rooms at up to {limits.max_client_tick_rate} "
                "ticks per second")
        if cost > limits.max_room_load:
            raise ProtocolError(
                "bad_settings", "Those settings make a room bigger than this server allows; "
                "fewer players, NPCs or ticks per second")
        if self._per_address[address] >= limits.max_rooms_per_address:
            raise ProtocolError(
                "rate_limited", f"One address may keep at most {limits.max_rooms_per_address} "
                "rooms open", retry_after=BUSY_RETRY)
        if self._load_per_address[address] + cost > limits.max_load_per_address:
            raise ProtocolError(
                "rate_limited", "The rooms of your address use all this server allows one "
                "address", retry_after=BUSY_RETRY)
        if self.load + cost > limits.max_load or (
                limits.busy_cpu and self.meter.busy > limits.busy_cpu):
            raise ProtocolError("server_busy", retry_after=BUSY_RETRY)
        if not self._ramp.take(cost):
            raise ProtocolError("server_busy", "Rooms are being made faster than this server "
                                "takes them on; try again in a moment",
                                retry_after=max(0.1, self._ramp.wait(cost)))

    def charge(self, room_id: str, address: str, cost: int) -> None:
        """A room of ``cost`` was created for ``address``."""
        self._rooms[room_id] = (address, cost)
        self._per_address[address] += 1
        self._load_per_address[address] += cost
        self.load += cost

    def release(self, room_id: str) -> None:
        """A room closed."""
        charged = self._rooms.pop(room_id, None)
        if charged is None:
            return
        address, cost = charged
        self.load -= cost
        self._per_address[address] -= 1
        self._load_per_address[address] -= cost
        if self._per_address[address] <= 0:
            del self._per_address[address]
            del self._load_per_address[address]
