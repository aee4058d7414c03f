"""The fence around library internals: the start-up check passes on the pinned versions and
names exactly what is missing when a library changes."""

from __future__ import annotations

import pytest
import socketio
from aiohttp import web_ws

from shared import compat


def test_the_pinned_libraries_have_everything_tickwire_reaches_for():
    compat.self_check()


def test_a_missing_internal_is_named(monkeypatch):
    monkeypatch.delattr(socketio.AsyncServer, "_handle_event")
    monkeypatch.delattr(web_ws.WebSocketResponse, "_reader")
    with pytest.raises(compat.LibraryChanged) as changed:
        compat.self_check()
    message = str(changed.value)
    assert "socketio.AsyncServer._handle_event (dispatch)" in message
    assert "aiohttp WebSocketResponse._reader (input fast lane)" in message
    assert "pyproject.toml" in message
