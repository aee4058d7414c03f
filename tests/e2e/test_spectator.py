"""A spectator sees the game, without controls."""

from __future__ import annotations

import pytest

from tests.e2e.pages import create_private_room, in_room, join_with_code, player_id

pytestmark = pytest.mark.e2e


async def test_spectator_sees_the_game_without_controls(open_page):
    player = await open_page("Player")
    room = await create_private_room(player)
    watcher = await open_page("Watcher")
    await join_with_code(watcher, room["code"], spectate=True)
    await in_room(watcher)

    assert await player_id(watcher) is None
    assert await watcher.is_visible(".hud .tag.spectating")
    assert await watcher.is_hidden(".hud .hint")
    assert await watcher.is_hidden("text=Start round")
    assert await watcher.is_visible("canvas#arena")
    await watcher.wait_for_function("(id) => window.__tickwire.entity(id) !== null",
                                    arg=await player_id(player))
    assert await watcher.evaluate("window.__tickwire.controls") is False
    assert await player.evaluate("window.__tickwire.controls") is True
    info = await player.evaluate("window.__tickwire.client.room")
    assert len(info["players"]) == 1
    assert info["spectators"] == 1

