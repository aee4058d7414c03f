"""``python -m bench.interest_bytes``: shape S4's state messages in process, byte by byte.

The large bench room (``bench-large``: 64 ships, 300 drones) runs its interest sync without
sockets for ``--ticks`` ticks, every ship steered like the load generator's bots (a random
direction, changed with a 5% chance each input, ``bench/clients/meter.js``), and every
connection's state payload (``[tick, ack, drops, loads, updates]``, see "Interest management"
in shared/PROTOCOL.md) is taken apart: where its bytes go, how many entities and cells a
client holds, and the process time of a tick (inputs, game step, snapshot, cell deltas and
every client's message). Beside it, the same for one S2 room (8 ships, 16 drones, no interest
management), whose one message goes to all its clients. On the wire each message has about
24 bytes more (Socket.IO event, Engine.IO and websocket framing), for both.
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import msgpack

from bench.game import BenchArena, LargeBenchArena
from server.games.base import Player
from server.interest import CellSync
from server.sync import StateSync
from shared.games.arena_large import GRID

TURN = 0.05  # chance per input that a bot picks a new direction (meter.js)
WARMUP = 50  # ticks before counting


@dataclass(slots=True)
class Seat:
    """A roster member as ``CellSync.deliver`` reads it."""

    player: Player


class Capture:
    """A dispatcher that keeps the last payload sent to each connection (or room)."""

    def __init__(self) -> None:
        self.sent: dict[str, bytes] = {}

    def send_encoded(self, sid: str, event: str, payload: bytes) -> int:
        self.sent[sid] = payload
        return len(payload)

    def broadcast(self, room_id: str, event: str, message: Any) -> int:
        self.sent[room_id] = msgpack.packb(message)
        return len(self.sent[room_id])


def bots(game: BenchArena, count: int, rng: random.Random) -> Iterator[dict[int, int]]:
    """Join ``count`` ships to ``game``; each iteration steps them like the bots, steps the
    game one tick and yields every ship's ack."""
    players = [Player(game.new_id(), f"bot{index}") for index in range(count)]
    for player in players:
        game.join(player)
    steering = {player.id: (rng.uniform(-1, 1), rng.uniform(-1, 1)) for player in players}
    acks = dict.fromkeys(steering, 0)
    for tick in itertools.count(1):
        for player in players:
            if rng.random() < TURN:
                steering[player.id] = (rng.uniform(-1, 1), rng.uniform(-1, 1))
            dx, dy = steering[player.id]
            game.apply(player, {"dx": dx, "dy": dy, "aim": 0, "fire": False})
            acks[player.id] += 1
        game.step(tick)
        yield acks


def size(value: Any) -> int:
    """Bytes of ``value`` as msgpack."""
    return len(msgpack.packb(value))


def parts(message: list[Any]) -> Counter[str]:
    """Where one interest-managed state message's bytes go."""
    tick, ack, drops, loads, updates = message
    counted: Counter[str] = Counter(
        head=1 + size(tick) + size(ack), drops=size(drops), loads=size(loads),
        updates=size(updates) - sum(map(size, updates)))
    for cell, *rest in updates:
        counted["cell headers"] += 1 + size(cell)
        for name, part in zip(("moves", "groups", "spawns", "removes"), rest, strict=False):
            counted[name] += size(part)
    return counted


def large(ticks: int, seed: int) -> tuple[Counter[str], float, float]:
    """The S4 room: mean bytes by part per message (and entities and cells held per
    client), messages per tick, and process seconds per tick (see the module docstring)."""
    rng = random.Random(seed)
    game = LargeBenchArena({"npcs": LargeBenchArena.settings_schema.defaults()["npcs"]},
                           itertools.count(1).__next__, random.Random(seed), 0.05)
    play = bots(game, 64, rng)
    sync, capture = CellSync(LargeBenchArena.entity_schema, GRID), Capture()
    acks = next(play)
    members = {f"c{pid}": Seat(Player(pid, "")) for pid in acks}
    sync.advance(1, game.entities, acks, [])
    for sid, seat in members.items():
        sync.keyframe_for(sid, seat.player.id)
    totals: Counter[str] = Counter()
    spent = 0.0
    for tick in range(2, WARMUP + ticks + 2):
        start = time.process_time()
        sync.advance(tick, game.entities, next(play), [])
        sync.deliver(capture, "room", members)
        if tick > WARMUP + 1:
            spent += time.process_time() - start
            totals += tally(sync, capture.sent)
    messages = totals.pop("messages")
    return Counter({key: value / messages for key, value in totals.items()}), messages / ticks, (
        spent / ticks)


def tally(sync: CellSync, sent: Mapping[str, bytes]) -> Counter[str]:
    """One tick's messages taken apart, with what each client holds."""
    counted: Counter[str] = Counter(messages=len(sent))
    for sid, payload in sent.items():
        counted["total"] += len(payload)
        counted += parts(msgpack.unpackb(payload, strict_map_key=False))
        held = sync.viewers[sid].cells
        counted["cells held"] += len(held)
        counted["entities held"] += sum(len(sync.cells.get(cell, ())) for cell in held)
    return counted


def small(ticks: int, seed: int) -> tuple[float, float]:
    """One S2 room: bytes per message (one for all its clients) and process seconds per
    tick and client."""
    rng = random.Random(seed)
    game = BenchArena({"npcs": 16}, itertools.count(1).__next__, random.Random(seed), 0.05)
    play = bots(game, 8, rng)
    sync, capture = StateSync(BenchArena.entity_schema), Capture()
    total, spent = 0, 0.0
    for tick in range(1, WARMUP + ticks + 1):
        start = time.process_time()
        sync.advance(tick, game.entities, next(play), [])
        sync.deliver(capture, "room", {})
        if tick > WARMUP:
            spent += time.process_time() - start
            total += len(capture.sent["room"])
    return total / ticks, spent / ticks / 8


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.interest_bytes",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--ticks", type=int, default=400, help="ticks counted (400)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    by_part, messages, spent = large(args.ticks, args.seed)
    print(f"S4 in process ({args.ticks} ticks, cells of {GRID.cell:g}, view {GRID.view}): "
          f"{messages:.0f} messages per tick, {spent * 1000:.2f} ms per tick "
          f"({spent * 1000 / messages:.3f} per client)")
    held = {name: by_part.pop(name) for name in ("cells held", "entities held")}
    print(f"  a client holds {held['entities held']:.1f} entities in "
          f"{held['cells held']:.1f} cells; bytes per message:")
    for name, value in sorted(by_part.items(), key=lambda item: -item[1]):
        print(f"  {name:>14} {value:7.1f}")
    payload, per_client = small(args.ticks, args.seed)
    print(f"S2 room in process: {payload:.1f} B per message, "
          f"{per_client * 1000:.3f} ms per tick and client; payload ratio "
          f"{by_part['total'] / payload:.3f}, on the wire (+24 B) about "
          f"{(by_part['total'] + 24) / (payload + 24):.3f}")


if __name__ == "__main__":
    main()
