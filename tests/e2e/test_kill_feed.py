"""The arena's kill feed: a kill by one player shows in the other pages' HUD, names as text."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from tests.e2e.pages import in_room, join_with_code, player_id, screenshot

pytestmark = pytest.mark.e2e


async def _fire_every_tick(bot, aim: float) -> None:
    async for _ in bot.updates():
        await bot.send_input(dx=0.0, dy=0.0, aim=aim, fire=True)


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
    firing = asyncio.create_task(_fire_every_tick(sniper, aim=0.0))
    try:
        kill = await sniper.wait_for_message("kill")
        for page in (bob, alice):
            line = page.locator(".kill-feed li", has_text="Alice")
            await line.wait_for()
            assert " ".join((await line.text_content()).split()) == "Sniper destroyed Alice"
            assert await page.locator(".kill-feed li .killer").first.text_content() == "Sniper"
        await screenshot(bob, "kill-feed-spectator")
    finally:
        firing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await firing
    assert kill == {"killer": "Sniper", "killer_id": joined.player_id, "victim": "Alice",
                    "victim_id": target}
