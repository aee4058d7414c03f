"""Refusals that say when to try again carry ``retry_after``; the Python client can wait it
out by itself (``retry_for``), so tools live with the per-address limits."""

from __future__ import annotations

import pytest

from client.bots.__main__ import parse_args, run
from tests.conftest import config_with, refusal


@pytest.fixture
def server_config():
    # 60 joins a minute per address: one a second after a burst of 15
    return config_with(joins_per_minute_per_address=60)


async def test_a_join_refused_for_rate_tells_when_and_a_patient_client_gets_in(tickwire,
                                                                              connect):
    host = await connect("host")
    joined = await host.create_room(max_players=32)
    guests = [await connect(f"guest{index}") for index in range(15)]
    for guest in guests[:14]:
        await guest.join(code=joined.code)
    impatient = await refusal(guests[14].join(code=joined.code))
    assert impatient.code == "rate_limited"
    assert 0 < impatient.retry_after <= 1.0
    patient = await connect("patient", retry_for=5.0)
    await patient.join(code=joined.code)
    assert patient.joined is not None
    assert tickwire.lobby.stats.refusals["rate_limited"] >= 2


async def test_bots_ramp_up_within_the_address_limit(tickwire):
    """More bots than the address's join burst (15 here): they wait their turns and all
    play, instead of failing with rate_limited."""
    args = parse_args(["--url", tickwire.url, "--rooms", "3", "--per-room", "6",
                       "--duration", "1", "--report-every", "60", "--patience", "30"])
    stats = await run(args)
    assert stats.connected == 18
    assert not stats.failures
    assert tickwire.lobby.stats.refusals["rate_limited"] >= 1  # the pace was the server's
