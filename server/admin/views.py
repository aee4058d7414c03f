"""What the admin API and the monitor show of this node's rooms and their players.

Everything here is read when someone asks (or, in a cluster, when the node's stats key is
written), never on a tick.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from server.net.connections import Connection
from server.room import Room

LAGGING_SHARE = 0.5  # a room whose tick p99 takes over half its step is lagging
MAX_LISTED_ROOMS = 500  # rooms one node reports at most (the worst first)


def room_summary(room: Room, node: str, now: float | None = None) -> dict[str, Any]:
    """One row of the rooms table."""
    now = time.time() if now is None else now
    counters = room.counters
    p99 = counters.ticks.percentile(0.99)
    late_rate = counters.late_rate.read(counters.late)
    return {
        "id": room.id, "code": room.code, "game": room.game_class.name, "node": node,
        "public": room.options.public, "players": room.player_count,
        "max_players": room.options.max_players, "spectators": room.spectator_count,
        "phase": str(room.game.status().get("phase", "started" if room.started else "waiting")),
        "started": room.started, "age": round(now - counters.created, 1),
        "tick_rate": room.options.tick_rate, "tick_p99_ms": round(p99 * 1000, 3),
        "late_ticks": counters.late, "bytes_out": round(counters.bytes_rate.read(
            counters.bytes_out)),
        "lagging": p99 > room.clock.dt * LAGGING_SHARE or late_rate > 0,
    }


def room_summaries(rooms: Iterable[Room], node: str, limit: int = MAX_LISTED_ROOMS
                   ) -> list[dict[str, Any]]:
    """Rows for ``rooms`` (open ones), lagging and slowest first, at most ``limit``."""
    now = time.time()
    rows = [room_summary(room, node, now) for room in rooms if not room.closed]
    rows.sort(key=lambda row: (not row["lagging"], -row["tick_p99_ms"]))
    return rows[:limit]


def room_detail(room: Room, node: str, connection_of: Callable[[str], Connection | None]
                ) -> dict[str, Any]:
    """A room with its ``roster``: every player's name, ping, inputs/s, dropped inputs,
    backlog and whether connected."""
    players = []
    for member in sorted(room.roster.players(), key=lambda m: m.player.id if m.player else 0):
        assert member.player is not None and member.inputs is not None
        connection = connection_of(member.sid) if member.sid is not None else None
        queue = member.inputs
        outbox = connection.outbox if connection is not None else None
        transport = outbox.transport if outbox is not None else None
        players.append({
            "id": member.player.id, "name": member.name, "connected": member.sid is not None,
            "host": member.player.id == room.roster.host_id,
            "ping_ms": round(connection.rtt * 1000, 1) if connection and connection.rtt
            is not None else None,
            "inputs_per_s": round(queue.received_rate.read(queue.received), 1),
            "dropped_inputs": queue.dropped + (connection.inputs_limited if connection else 0),
            "backlog_bytes": transport.get_write_buffer_size() if transport else 0,
        })
    return {**room_summary(room, node), "status": room.game.status(),
            "settings": room.settings, "tick": room.tick, "roster": players}
