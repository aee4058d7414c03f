"""Log lines: readable text by default, JSON with --log-format json; the node on every line,
the room and player where they apply, from ``extra=`` or the gateway's context."""

from __future__ import annotations

import json
import logging

import pytest

from server.logs import (
    LOG_PLAYER,
    LOG_ROOM,
    JsonFormatter,
    TextFormatter,
    in_room,
    set_log_node,
)


@pytest.fixture(autouse=True)
def node():
    set_log_node("node-7")
    yield
    set_log_node("")


def record(message: str, extra: dict | None = None, exc: bool = False) -> logging.LogRecord:
    logger = logging.getLogger("tickwire.test")
    info = None
    if exc:
        try:
            raise ValueError("boom")
        except ValueError:
            import sys
            info = sys.exc_info()
    return logger.makeRecord("tickwire.test", logging.WARNING, __file__, 1, message, (), info,
                             extra=extra)


def test_json_lines_carry_node_room_and_player():
    line = json.loads(JsonFormatter().format(record("kicked", in_room("r1", 4))))
    assert line["message"] == "kicked" and line["level"] == "WARNING"
    assert (line["node"], line["room_id"], line["player_id"]) == ("node-7", "r1", 4)
    assert line["logger"] == "tickwire.test" and line["time"].endswith("+00:00")
    plain = json.loads(JsonFormatter().format(record("started")))
    assert "room_id" not in plain and "player_id" not in plain and plain["node"] == "node-7"


def test_the_context_names_the_room_and_player_when_extra_does_not():
    room, player = LOG_ROOM.set("r9"), LOG_PLAYER.set(2)
    try:
        line = json.loads(JsonFormatter().format(record("request failed", exc=True)))
        text = TextFormatter().format(record("request failed", exc=True))
    finally:
        LOG_ROOM.reset(room)
        LOG_PLAYER.reset(player)
    assert (line["room_id"], line["player_id"]) == ("r9", 2)
    assert "ValueError: boom" in line["exception"]
    first, *rest = text.splitlines()
    assert first.endswith("tickwire.test: request failed [room=r9 player=2]")
    assert any("ValueError: boom" in later for later in rest)


def test_text_lines_stay_plain_without_a_room():
    assert TextFormatter().format(record("listening")).endswith("WARNING tickwire.test: listening")
