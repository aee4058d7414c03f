"""The lobby's list of public rooms follows the server live, without reloading the page."""

from __future__ import annotations

import pytest

from tests.e2e.pages import in_room, screenshot

pytestmark = pytest.mark.e2e


async def test_public_rooms_appear_update_and_vanish_without_reload(open_page, connect):
    page = await open_page("Watcher")
    await page.wait_for_selector(".rooms .live.on")
    host = await connect("host")
    joined = await host.create_room(public=True, max_players=4)
    row = page.locator(f'#room-list li[data-code="{joined.code}"]')
    await row.wait_for()
    assert "1/4 players" in await row.text_content()

    guest = await connect("guest")
    await guest.join(code=joined.code)
    await page.wait_for_function(
        "(code) => document.querySelector(`#room-list li[data-code='${code}']`)"
        "?.textContent.includes('2/4 players')", arg=joined.code)
    await screenshot(page, "lobby-with-a-public-room")

    await host.leave()
    await guest.leave()
    await row.wait_for(state="detached")


async def test_joining_from_the_list(open_page, connect):
    host = await connect("host")
    joined = await host.create_room(public=True)
    page = await open_page("Picker")
    await page.click(f'#room-list li[data-code="{joined.code}"] button:has-text("Join")')
    await page.wait_for_function("(code) => window.__tickwire.client?.room?.code === code",
                                 arg=joined.code)


async def test_quick_play_opens_a_public_room_that_the_next_player_joins(open_page):
    first = await open_page("Quick1")
    await first.click("#quick-play")
    room = await in_room(first)
    assert room["public"]
    second = await open_page("Quick2")
    await second.locator(f'#room-list li[data-code="{room["code"]}"]').wait_for()
    await second.click("#quick-play")
    assert (await in_room(second))["id"] == room["id"]


async def test_the_leaderboard_and_last_matches_follow_the_server_live(open_page, connect):
    page = await open_page("Watcher")
    await page.wait_for_selector(".history .live.on")
    assert await page.locator("#last-matches li").count() == 0
    host = await connect("Ace Pilot")
    await host.create_room(public=True)
    await host.leave()  # the empty room closes: a match with one player
    match = page.locator("#last-matches li").first
    await match.wait_for()
    assert "Ace Pilot" in await match.text_content()
    leader = page.locator("#leaderboard li").first
    assert await leader.locator(".leader-name").text_content() == "Ace Pilot"
    assert "1 played" in await leader.text_content()
    await screenshot(page, "lobby-with-the-leaderboard")
