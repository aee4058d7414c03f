"""A room takes its tick rate, input limit and grace periods from the server's configuration."""

from __future__ import annotations

import pytest

from tests.helpers import config_with

CONFIG = config_with(tick_rate=25, max_inputs_per_tick=3, seat_grace=7.0, empty_room_grace=2.0)


@pytest.fixture
def server_config():
    return CONFIG


async def test_rooms_are_built_from_the_server_config(tickwire, connect):
    host = await connect("host")
    created = await host.create_room()
    assert created.room["tick_rate"] == CONFIG.tick_rate
    options = tickwire.lobby.rooms[created.room["id"]].options
    assert (options.tick_rate, options.max_inputs_per_tick, options.seat_grace,
            options.empty_grace) == (25, 3, 7.0, 2.0)
