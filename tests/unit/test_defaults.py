"""Defaults have one source each: room defaults in protocol.json's ``defaults``, server limits
in ``ServerConfig``. These fail when a copy somewhere drifts from its source."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

from client import TickwireClient
from server.config import ServerConfig
from server.gateway import CREATE, QUICK_JOIN
from server.lobby import RoomRequest
from shared.protocol import LIMITS

PROTOCOL_JSON = Path(__file__).parents[2] / "shared" / "protocol.json"
ROOM_DEFAULTS = json.loads(PROTOCOL_JSON.read_text())["defaults"]


def test_requests_that_leave_fields_out_get_the_protocol_defaults():
    created, quick, request = CREATE.parse({}), QUICK_JOIN.parse({}), RoomRequest()
    for name, value in ROOM_DEFAULTS.items():
        assert created[name] == value
        assert getattr(request, name) == value
        if name in quick:
            assert quick[name] == value


def test_the_python_client_asks_for_the_protocol_defaults():
    for method in (TickwireClient.create_room, TickwireClient.quick_join):
        parameters = inspect.signature(method).parameters
        for name, value in ROOM_DEFAULTS.items():
            if name in parameters:
                assert parameters[name].default == value, f"{method.__name__}({name}=...)"


def test_server_limits_come_from_the_config_and_the_protocol():
    config = ServerConfig()
    assert config.max_event_bytes == LIMITS.max_event_bytes
    assert config.max_inputs_per_tick == LIMITS.max_inputs_per_tick
