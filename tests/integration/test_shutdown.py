"""Graceful shutdown of a real server process on SIGTERM."""

from __future__ import annotations

import asyncio
import signal

from client import TickwireClient
from tests.helpers import free_port, start_server

SHUTDOWN_BOUND = 10.0  # seconds; the server allows connections 5 s to close


async def test_sigterm_says_goodbye_and_exits_cleanly():
    port = free_port()
    server = await start_server("--port", str(port))
    url = f"http://127.0.0.1:{port}"
    player, browser = TickwireClient("player"), TickwireClient("browser")
    try:
        await player.connect(url)
        await browser.connect(url)
        await player.create_room()
        await player.wait_until(lambda m: m.tick > 3)
        server.send_signal(signal.SIGTERM)
        closed = await player.wait_closed(timeout=SHUTDOWN_BOUND)
        await asyncio.wait_for(browser.sio.wait(), SHUTDOWN_BOUND)
        output, _ = await asyncio.wait_for(server.communicate(), SHUTDOWN_BOUND)
    finally:
        await player.disconnect()
        await browser.disconnect()
        if server.returncode is None:
            server.kill()
    assert closed["code"] == "shutting_down"
    for client in (player, browser):
        assert client.goodbye == {"code": "shutting_down",
                                  "message": "The server is shutting down"}
    assert server.returncode == 0
    text = output.decode()
    assert "Tickwire stopped" in text
    assert "Traceback" not in text and "ERROR" not in text, text
