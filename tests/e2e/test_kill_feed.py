"""The arena's kill feed: a kill by one player shows in the other pages' HUD, names as text."""

from __future__ import annotations

import pytest

from tests.e2e.pages import in_room, join_with_code, player_id, screenshot
from tests.helpers import firing

pytestmark = pytest.mark.e2e


async def test_a_kill_shows_in_the_kill_feed_of_the_other_pages(tickwire, open_page, connect):
    sniper = await connect("Sniper")
    joined = await sniper.create_room(settings={"npcs": 0})
    alice = await open_page("Alice")
    await join_with_code(alice, joined.code)
    await in_room(alice)
    bob = await open_page("Bob")
    await join_with_code(bob, joined.code, spectate=True)
    await in_room(bob)

    ships = tickwire.lobby.rooms[joined.room["id"]].game.ships
    target = await player_id(alice)
    ships[joined.player_id].x, ships[joined.player_id].y = 400.0, 500.0  # set between ticks
    ships[target].x, ships[target].y = 550.0, 500.0  # 150 units east of the sniper
    async with firing(sniper, aim=0.0):
        kill = await sniper.wait_for_message("kill")  # once Alice's spawn shield ran out
        for page in (bob, alice):
            line = page.locator(".kill-feed li", has_text="Alice")
            await line.wait_for()
            assert " ".join((await line.text_content()).split()) == "Sniper destroyed Alice"
            assert await page.locator(".kill-feed li .killer").first.text_content() == "Sniper"
        await screenshot(bob, "kill-feed-spectator")
    assert kill == {"killer": "Sniper", "killer_id": joined.player_id, "victim": "Alice",
                    "victim_id": target}
