"""The large arena in a browser: Large arena quick-joins an interest-managed room, the page
draws it (the cells it does not see shaded) without an error, and a ship appears in the page
when it comes near and vanishes when it goes away."""

from __future__ import annotations

import pytest

from tests.e2e.pages import in_room, player_id, screenshot

pytestmark = pytest.mark.e2e


async def test_a_ship_shows_in_the_page_only_while_it_is_near(open_page, connect, tickwire):
    page = await open_page("Wide")
    await page.click("#quick-play-large")
    room = await in_room(page)
    assert room["game"] == "arena-large"
    assert await page.evaluate("window.__tickwire.client.mirror.interest")
    guest = await connect("guest")
    seat = await guest.join(code=room["code"])
    await page.wait_for_function("() => window.__tickwire.client.me() !== null")
    await guest.wait_until(lambda mirror: mirror.me() is not None)
    world = tickwire.lobby.rooms[room["id"]].game
    mine = world.entities[await player_id(page)]
    mine.x, mine.y = 600.0, 600.0
    theirs = world.entities[seat.player_id]

    async def page_sees_guest() -> bool:
        return await page.evaluate("(id) => window.__tickwire.client.mirror.entities.has(id)",
                                   seat.player_id)

    theirs.x, theirs.y = 3500.0, 3500.0
    await page.wait_for_timeout(300)
    assert not await page_sees_guest()
    theirs.x, theirs.y = 800.0, 650.0
    await page.wait_for_function(
        "(id) => window.__tickwire.client.mirror.entities.has(id)", arg=seat.player_id)
    await screenshot(page, "large-arena")
    theirs.x, theirs.y = 3500.0, 3500.0
    await page.wait_for_function(
        "(id) => !window.__tickwire.client.mirror.entities.has(id)", arg=seat.player_id)
    assert await page.evaluate("window.__tickwire.client.mirror.gaps") == 0
