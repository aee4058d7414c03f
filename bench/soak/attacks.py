"""The soak's attacks: one function per row of issue 9's table, each one episode long.

Every attack connects from an address of its own, does its damage, and reports how the server
ended it (a ``Finding``): ``cut`` (it closed the connection), ``refused`` (it turned the
attempt down with an answer), or ``survived`` (neither, within the attack's bound plus
``GIVE_UP`` seconds), with the seconds it took and what the attacker did meanwhile.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench.soak.episode import Finding, Target
from bench.soak.floods import (
    BULK_BOUND,
    FLOOD_BOUND,
    ack_flood,
    bulk_rooms,
    connect_error_flood,
    foreign_namespace,
    reconnect_cycling,
)
from bench.soak.malformed import (
    ANSWER_BOUND,
    fragment_interleaved,
    nested_auth,
    non_ascii_token,
    unmasked_frame,
)
from bench.soak.stalls import (
    HEARTBEAT_BOUND,
    IDLE_BOUND,
    POLL_STALL_BOUND,
    idle_sessions,
    polling_without_get,
    silent_websocket,
    stalled_reader,
)


@dataclass(frozen=True, slots=True)
class Attack:
    """An attack and the bound its episodes are held to (a finding may state its own)."""

    run: Callable[[Target], Awaitable[Finding]]
    bound: float

    @property
    def name(self) -> str:
        """The attack's name: its function's."""
        return self.run.__name__


ATTACKS: tuple[Attack, ...] = (
    Attack(ack_flood, FLOOD_BOUND),
    Attack(foreign_namespace, FLOOD_BOUND),
    Attack(connect_error_flood, FLOOD_BOUND),
    Attack(polling_without_get, POLL_STALL_BOUND),
    Attack(stalled_reader, HEARTBEAT_BOUND),
    Attack(bulk_rooms, BULK_BOUND),
    Attack(idle_sessions, IDLE_BOUND),
    Attack(reconnect_cycling, FLOOD_BOUND),
    Attack(non_ascii_token, ANSWER_BOUND),
    Attack(nested_auth, ANSWER_BOUND),
    Attack(fragment_interleaved, ANSWER_BOUND),
    Attack(unmasked_frame, ANSWER_BOUND),
    Attack(silent_websocket, HEARTBEAT_BOUND),
)
