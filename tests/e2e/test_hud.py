"""The HUD reads well: a room you are alone in says why, joins, leaves and a new host are told,
two pilots with one name are told apart and never share a colour, your own row is marked, and a
panel your ship flies under fades instead of hiding it."""

from __future__ import annotations

import pytest

from tests.e2e.pages import create_private_room, in_room, join_with_code, player_id, screenshot

pytestmark = pytest.mark.e2e


async def test_alone_joins_leaves_and_a_new_host_are_told(open_page, connect):
    page = await open_page("Solo")
    await page.click("#quick-play")
    room = await in_room(page)
    hint = page.locator("#alone-hint")
    await hint.wait_for()
    assert "new public room" in await hint.text_content()

    friend = await connect("Pal")
    await friend.join(code=room["code"])
    await page.locator(".notice", has_text="Pal joined").wait_for()
    await hint.wait_for(state="hidden")
    await friend.leave()
    await page.locator(".notice", has_text="Pal left").wait_for()

    host = await connect("Boss")
    joined = await host.create_room()
    guest = await open_page("Heir")
    await join_with_code(guest, joined.code)
    await in_room(guest)
    await guest.locator(".scores li", has_text="Boss").locator(".host").wait_for()
    await host.leave()
    await guest.locator(".notice", has_text="You are now the host").wait_for()
    await guest.locator(".hud-top-center button", has_text="Start round").wait_for()
    await guest.locator(".scores li.me .host").wait_for()


async def test_two_pilots_with_one_name_are_told_apart_by_name_and_colour(open_page, connect):
    page = await open_page("Host")
    room = await create_private_room(page)
    for _ in range(2):
        await (await connect("Bob")).join(code=room["code"])
    await page.locator(".scores li", has_text="Bob (2)").wait_for()
    names = await page.locator(".scores li .name").all_text_contents()
    assert sorted(names) == ["Bob", "Bob (2)", "Host"]
    colors = await page.eval_on_selector_all(
        ".scores li .swatch", "(all) => all.map((s) => getComputedStyle(s).backgroundColor)")
    assert len(set(colors)) == 3
    mine = page.locator(".scores li.me")
    assert await mine.count() == 1 and "Host" in await mine.text_content()
    await screenshot(page, "scoreboard-duplicate-names")


async def test_a_panel_your_ship_flies_under_fades(tickwire, open_page):
    page = await open_page("Corner")
    room = await create_private_room(page)
    board = page.locator(".hud-right")
    assert "faded" not in (await board.get_attribute("class"))
    ship = tickwire.lobby.rooms[room["id"]].game.ships[await player_id(page)]
    ship.x, ship.y = 1000.0, 0.0  # the top-right corner of the world, under the scoreboard
    await page.locator(".hud-right.faded").wait_for()
    await screenshot(page, "scoreboard-faded-over-ship")
    ship.x, ship.y = 500.0, 500.0
    await page.locator(".hud-right.faded").wait_for(state="detached")
