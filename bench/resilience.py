"""``python -m bench.resilience --url URL``: reconnection time and flood handling, measured
against a running server (start one with ``python -m server``).

- reconnect: a player cuts its transport (as a network drop would), connects again and
  resumes its held seat; the time until its mirror holds its ship again, over 20 drops.
- flood: a raw websocket in another process sends inputs as fast as it can beside a
  well-behaved player; how much it sent before the server cut it, and whether the player
  missed a tick meanwhile.
Bounded: 20 drops, one flood of at most 8 s.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import statistics
import time

from client import TickwireClient
from shared.protocol import EVENTS
from tests.rawsocket import RawSocket

DROPS = 20
FLOOD_SECONDS = 8.0


async def reconnect_times(url: str) -> list[float]:
    """Milliseconds from reconnecting to having the ship back, for each of ``DROPS`` cuts."""
    host, player = TickwireClient("host"), TickwireClient("player")
    await host.connect(url)
    created = await host.create_room()
    await player.connect(url)
    await player.join(code=created.code)
    times = []
    try:
        for _ in range(DROPS):
            await player.wait_until(lambda mirror: mirror.me() is not None)
            await player.drop_connection()
            began = time.perf_counter()
            await player.reconnect()
            await player.wait_until(lambda mirror: mirror.me() is not None)
            times.append((time.perf_counter() - began) * 1000)
    finally:
        await player.disconnect()
        await host.disconnect()
    return times


def _flood(url: str, code: str, results: multiprocessing.Queue) -> None:
    async def run() -> None:
        raw = RawSocket(url)
        await raw.open()
        await raw.emit(EVENTS.join, {"code": code}, ack_id=1)
        sent, began = 0, time.monotonic()
        try:
            while time.monotonic() - began < FLOOD_SECONDS:
                for _ in range(100):
                    sent += 1
                    await raw.send_packet(
                        {"type": 2, "nsp": "/", "data": [EVENTS.input, [sent, 1.0, 0, 0, False]]})
                await asyncio.sleep(0)
        except ConnectionError:
            pass  # cut by the server
        results.put((sent, time.monotonic() - began))
        await raw.close()

    asyncio.run(run())


async def flood_outcome(url: str) -> str:
    """One flood beside a good player, as a line of text."""
    good = TickwireClient("good")
    await good.connect(url)
    created = await good.create_room()
    ticks: list[int] = []
    good.on_state(lambda mirror: ticks.append(mirror.tick))
    results: multiprocessing.Queue = multiprocessing.Queue()
    flooder = multiprocessing.Process(target=_flood, args=(url, created.code, results))
    flooder.start()
    try:
        while flooder.is_alive():
            await good.send_input(dx=0.2, dy=0.0, aim=0.0, fire=False)
            await asyncio.sleep(0.05)
        sent, seconds = results.get(timeout=5)
    finally:
        flooder.join(5)
        await good.disconnect()
    gaps = sum(1 for a, b in itertools.pairwise(ticks) if b != a + 1)
    return (f"flood: {sent} inputs in {seconds:.2f} s ({sent / seconds:,.0f}/s) before the cut;"
            f" the other player saw {len(ticks)} states, {gaps} gaps, {good.resyncs} resyncs")


async def main(url: str) -> None:
    """Print both measurements."""
    times = await reconnect_times(url)
    print(f"reconnect: median {statistics.median(times):.1f} ms, max {max(times):.1f} ms"
          f" over {len(times)} cuts (connect, resume, keyframe)")
    print(await flood_outcome(url))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.resilience", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    asyncio.run(main(parser.parse_args().url))
