"""The large arena in a browser: Large arena quick-joins an interest-managed room, the page
draws it (the cells it does not see shaded) without an error, a ship appears in the page
when it comes near and vanishes when it goes away, and everything on screen has been sent,
on a wide screen and a phone's, in the middle of the world and against its edges."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page

from tests.e2e.pages import in_room, player_id, screenshot
from tests.helpers import RunningServer

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


def on_screen(view: dict[str, Any], inset: float) -> Any:
    """Whether a world point is on the screen ``view`` (``__tickwire.view``), ``inset`` units
    inside its edges."""
    half_w = view["width"] / view["scale"] / 2 - inset
    half_h = view["height"] / view["scale"] / 2 - inset
    return lambda x, y: abs(x - view["x"]) <= half_w and abs(y - view["y"]) <= half_h


async def shows_all_it_draws(page: Page, tickwire: RunningServer, room_id: str) -> None:
    """Every entity the server has on the page's screen (30 units inside its edges: a tick's
    moves) is in the page's mirror, at ten frames of play."""
    world = tickwire.lobby.rooms[room_id].game
    for _ in range(10):
        view, held = await page.evaluate(
            "[window.__tickwire.view, [...window.__tickwire.client.mirror.entities.keys()]]")
        seen = on_screen(view, 30)
        missing = {eid for eid, body in world.entities.items() if seen(body.x, body.y)}
        assert missing <= set(held), f"on screen but not sent: {missing - set(held)} ({view})"
        await page.wait_for_timeout(50)


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 720},
                                      {"width": 390, "height": 844}], ids=["wide", "phone"])
async def test_everything_on_screen_has_been_sent(open_page, tickwire, viewport):
    page = await open_page("Seer", viewport=viewport)
    await page.click("#quick-play-large")
    room = await in_room(page)
    mine = tickwire.lobby.rooms[room["id"]].game.entities[await player_id(page)]
    for x, y in ((2000.0, 2000.0), (20.0, 3980.0), (1340.0, 460.0)):  # middle, corner, borders
        mine.x, mine.y = x, y
        await page.wait_for_function(
            "([x, y]) => { const v = window.__tickwire.view, me = window.__tickwire.client.me();"
            " return me && Math.abs(me.x - x) < 1 && Math.abs(me.y - y) < 1 && v.scale > 0; }",
            arg=[x, y])
        await page.wait_for_timeout(200)  # the camera follows the predicted ship there
        await shows_all_it_draws(page, tickwire, room["id"])
