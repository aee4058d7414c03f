"""``python -m client.bots``: headless bots that play the arena; also our load generator.

    python -m client.bots --url http://127.0.0.1:8000 --rooms 4 --per-room 6 --duration 30

Each room gets one host bot that creates it (private by default, ``--public`` to list it) and
``per-room - 1`` bots that join with its code. Room requests go out one at a time at the pace
the server allows (``client.bots.pacing``): refusals that say when to try again are waited out,
for up to ``--patience`` seconds, so the bots ramp up within the per-address limits of a
default server. Bots send one input per tick and ping once a second. A progress line prints
every second and a summary at the end, naming the reasons of any failures. The exit status is
1 when a bot failed to connect or join, or lost sync with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
import time

from client.bots.behaviours import BEHAVIOURS, Behaviour
from client.bots.pacing import Pacer
from client.bots.stats import BotStats, CountingPacket
from client.connection import TickwireClient, TickwireError
from shared.games.arena import RULES
from shared.games.arena_large import LARGE

CONNECT_CONCURRENCY = 20
WORLDS = {"arena": RULES.world, "arena-large": LARGE.world}  # game -> side of its world
MAX_BOTS = 2000


class Bot:
    """One bot: a client, a behaviour, and its share of the statistics."""

    def __init__(self, name: str, behaviour: Behaviour, stats: BotStats) -> None:
        self.client = TickwireClient(name, packet_class=CountingPacket)
        self.behaviour = behaviour
        self.stats = stats
        self.client.on_state(self._count_state)

    def _count_state(self, mirror: object) -> None:
        self.stats.states += 1

    async def play(self, until: float, tick_rate: int | None = None) -> None:
        """Send ``tick_rate`` inputs a second (default: one per tick of the room) and a ping
        per second until ``until`` (monotonic)."""
        if self.client.room is None:
            return
        loop = asyncio.get_running_loop()
        dt = 1.0 / (tick_rate or self.client.room["tick_rate"])
        next_input = next_ping = loop.time()
        while loop.time() < until and self.client.connected and self.client.mirror:
            now = loop.time()
            if now >= next_ping:
                next_ping += 1.0
                self.stats.round_trips.append(await self.client.ping())
            mirror = self.client.mirror
            if mirror is not None and mirror.synced:
                await self.client.send_input(**self.behaviour.decide(mirror))
                self.stats.inputs += 1
            next_input += dt
            await asyncio.sleep(max(0.0, next_input - loop.time()))

    def finish(self) -> None:
        """Fold this bot's outcome into the statistics."""
        client = self.client
        self.stats.resyncs += client.resyncs
        self.stats.input_latencies.extend(client.input_latencies)
        if client.mirror is None or not client.mirror.synced:
            self.stats.lost_sync += 1


def _failed(bot: Bot, error: TickwireError) -> None:
    print(f"{bot.client.name}: {error}", file=sys.stderr)
    bot.stats.failures[error.code] += 1


async def _connect(bot: Bot, url: str, gate: asyncio.Semaphore) -> bool:
    async with gate:
        try:
            await bot.client.connect(url)
        except TickwireError as error:
            _failed(bot, error)
            return False
    bot.stats.connected += 1
    return True


async def _fill_room(bots: list[Bot], args: argparse.Namespace, gate: asyncio.Semaphore,
                     pacer: Pacer) -> list[Bot]:
    """Host creates the room, the rest join by code. Returns the bots that got in."""
    host, guests = bots[0], bots[1:]
    if not await _connect(host, args.url, gate):
        return []
    settings = {} if args.npcs is None else {"npcs": args.npcs}
    try:
        joined = await pacer.attempt(lambda: host.client.create_room(
            game=args.game, public=args.public, max_players=len(bots), settings=settings))
        await host.client.start()
    except TickwireError as error:
        _failed(host, error)
        return []

    async def join(guest: Bot) -> Bot | None:
        if not await _connect(guest, args.url, gate):
            return None
        try:
            await pacer.attempt(lambda: guest.client.join(code=joined.code))
        except TickwireError as error:
            _failed(guest, error)
            return None
        return guest

    seated = await asyncio.gather(*(join(guest) for guest in guests))
    return [host, *(bot for bot in seated if bot is not None)]


async def _report(stats: BotStats, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        print(stats.progress(), flush=True)


async def run(args: argparse.Namespace) -> BotStats:
    """Run the bots as ``args`` says; return the statistics."""
    rng = random.Random(args.seed)
    total = args.rooms * args.per_room
    stats = BotStats(wanted=total)
    names = list(BEHAVIOURS) if args.behaviour == "mixed" else [args.behaviour]
    rooms = [
        [Bot(f"bot-{r}-{i}", BEHAVIOURS[names[(r + i) % len(names)]](
            random.Random(rng.random()), WORLDS[args.game]), stats)
         for i in range(args.per_room)]
        for r in range(args.rooms)
    ]
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    pacer = Pacer(args.patience)
    reporter = asyncio.create_task(_report(stats, args.report_every))
    seated: list[Bot] = []
    try:
        for bots in await asyncio.gather(*(_fill_room(room, args, gate, pacer)
                                           for room in rooms)):
            seated.extend(bots)
        until = asyncio.get_running_loop().time() + args.duration
        stats.started = time.monotonic()
        await asyncio.gather(*(bot.play(until, args.tick_rate) for bot in seated))
        stats.elapsed = time.monotonic() - stats.started
    finally:
        reporter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reporter
        for bot in seated:
            bot.finish()
        await asyncio.gather(*(b.client.disconnect() for r in rooms for b in r),
                             return_exceptions=True)
    goodbyes = {bot.client.goodbye["message"] for bot in seated if bot.client.goodbye}
    for message in goodbyes:
        print(f"the server is going away: {message}", flush=True)
    return stats


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m client.bots", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="server URL")
    parser.add_argument("--rooms", type=int, default=4, help="rooms to fill")
    parser.add_argument("--per-room", type=int, default=6, help="bots per room")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of play")
    parser.add_argument("--behaviour", choices=[*BEHAVIOURS, "mixed"], default="mixed")
    parser.add_argument("--game", choices=list(WORLDS), default="arena",
                        help="the arena, or the large one (interest managed)")
    parser.add_argument("--npcs", type=int, default=None,
                        help="drones per room (default: the arena's own default)")
    parser.add_argument("--tick-rate", type=int, default=None,
                        help="inputs per second per bot (default: the room's tick rate)")
    parser.add_argument("--public", action="store_true", help="list the rooms publicly")
    parser.add_argument("--patience", type=float, default=120.0,
                        help="seconds a bot waits for the server's limits to let it in")
    parser.add_argument("--report-every", type=float, default=1.0, help="seconds per line")
    parser.add_argument("--seed", type=int, default=None, help="random seed")
    args = parser.parse_args(argv)
    if not 1 <= args.rooms * args.per_room <= MAX_BOTS:
        parser.error(f"between 1 and {MAX_BOTS} bots in total")
    if not 0 < args.duration <= 3600:
        parser.error("duration must be in (0, 3600] seconds")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run, print the summary, return the exit status."""
    args = parse_args(argv)
    stats = asyncio.run(run(args))
    print(stats.summary(), flush=True)
    return 1 if stats.failures or stats.lost_sync or stats.connected < stats.wanted else 0


if __name__ == "__main__":
    sys.exit(main())
