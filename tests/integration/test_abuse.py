"""Abuse: floods, code guessing and clients that stop reading cost nobody else anything."""

from __future__ import annotations

import asyncio
import os
import socket
import time

import pytest

from client import TickwireError
from server.games import GAMES
from server.games.base import Game, Player
from shared.schema import EntitySchema, InputSchema, SettingsSchema, text
from tests.helpers import assert_consecutive, config_with, record_ticks, refusal
from tests.rawsocket import RawSocket

BLOB_BYTES = 48_000


class Blob(Game):
    """A game whose one entity changes a 48 KB field every tick: a firehose for slow readers."""

    name = "blob"
    entity_schema = EntitySchema(text("blob", BLOB_BYTES))
    input_schema = InputSchema()
    settings_schema = SettingsSchema()

    class Body:
        blob = ""

    def join(self, player: Player) -> None:
        self.entities.setdefault(0, self.Body())

    def step(self, tick: int) -> None:
        self.entities[0].blob = os.urandom(BLOB_BYTES // 2).hex()


@pytest.fixture
def server_games() -> dict[str, type[Game]]:
    return {**GAMES, "blob": Blob}


@pytest.fixture
def server_config():
    return config_with(max_inputs_per_second=40, joins_per_minute_per_address=30,
                       max_client_tick_rate=60,
                       send_backlog_bytes=64 * 1024, stuck_seconds=2.0)


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


async def flood_beside_a_good_player(tickwire, connect, inputs_per_burst: int
                                     ) -> tuple[list[int], float]:
    """A flooder and a well-behaved player share a room. The flooder sends bursts of
    ``inputs_per_burst`` inputs every 10 ms until it is cut (at most 10 s). Returns the ticks
    the good player saw (checked to be consecutive) and how long the flooder lasted."""
    good = await connect("good")
    created = await good.create_room(settings={"npcs": 4})
    flooder = await connect("flooder")
    await flooder.join(code=created.code)
    ticks = record_ticks(good)

    async def play_well():
        while flooder.connected:
            seq = await good.send_input(dx=0.3, dy=0.0, aim=0.0, fire=False)
            await good.wait_until(lambda m, seq=seq: m.ack == seq)

    async def flood():
        sent, began = 0, time.monotonic()
        while flooder.connected and time.monotonic() - began < 10:
            for _ in range(inputs_per_burst):
                sent += 1
                await flooder.sio.emit("i", [sent, 1.0, 0.0, 0.0, False])
            await asyncio.sleep(0.01)
        return time.monotonic() - began

    lasted, _ = await asyncio.gather(flood(), play_well())
    assert not flooder.connected
    assert any(e["code"] == "rate_limited" for e in flooder.errors)
    assert_consecutive(ticks)
    assert good.resyncs == 0
    return ticks, lasted


async def test_a_client_a_little_over_its_input_limit_is_throttled_then_cut(tickwire,
                                                                           connect):
    # about 100 inputs/s against an allowance of 40/s (burst 40): refusals start after about
    # 0.7 s, the excess is dropped for flood_seconds (1.5 s), then the connection goes
    ticks, lasted = await flood_beside_a_good_player(tickwire, connect, inputs_per_burst=1)
    assert tickwire.lobby.stats.inputs.rate_limited > 30
    assert 1.5 < lasted < 3
    assert len(ticks) > 30


async def test_a_firehose_is_cut_at_once(tickwire, connect):
    traffic = tickwire.lobby.stats.traffic
    received_before = traffic.messages_in
    _, lasted = await flood_beside_a_good_player(tickwire, connect, inputs_per_burst=500)
    print(f"firehose cut after {lasted:.2f} s and {traffic.messages_in - received_before}"
          " messages")
    assert lasted < 2
    assert tickwire.lobby.stats.refusals["rate_limited"] > 900


async def test_guessing_join_codes_is_rate_limited_per_address(tickwire, connect):
    guesser = await connect("guesser")
    outcomes = []
    for attempt in range(40):
        try:
            await guesser.join(code=f"ZZZ{attempt:03d}")
        except TickwireError as refused:
            outcomes.append(refused.code)
    assert outcomes.count("room_not_found") <= 10
    assert outcomes[-1] == "rate_limited"
    accomplice = await connect("accomplice")  # another connection from the same address
    assert (await refusal(accomplice.join(code="ZZZ999"))).code == "rate_limited"


async def test_a_client_that_stops_reading_is_bounded_and_harms_nobody(tickwire, connect):
    reader = await connect("reader")
    created = await reader.create_room(game="blob", tick_rate=60)
    ticks = record_ticks(reader)
    stalled = RawSocket(tickwire.url)
    try:
        await stalled.open()
        await stalled.emit("join", {"code": created.code}, ack_id=1)
        while (await stalled.next_packet()).get("type") != 3:  # its join answer
            pass
        stalled.tcp_socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        traffic = tickwire.lobby.stats.traffic
        before = rss_bytes()
        began = time.monotonic()
        # ~2.9 MB/s of state goes to each member; the stalled one reads nothing from here on
        await reader.wait_until(lambda m: traffic.slow_disconnects >= 1, timeout=15)
        cut_after = time.monotonic() - began
        await reader.wait_until(lambda m: len(ticks) >= 240, timeout=15)
        growth = rss_bytes() - before
    finally:
        await stalled.close()
    print(f"stalled reader cut after {cut_after:.1f} s; RSS grew {growth / 1e6:.1f} MB; "
          f"{traffic.dropped_out} deltas skipped")
    assert traffic.dropped_out > 0
    assert growth < 8_000_000  # unbounded buffering would hold ~2.9 MB per second
    assert_consecutive(ticks)
    assert reader.resyncs == 0
