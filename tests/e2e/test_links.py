"""Links and reloads: a /r/CODE link asks for a name before joining; a reload takes back the
same seat (no "offline" ghost left behind), a second tab never does; Forward after Back offers
the room the address names."""

from __future__ import annotations

import json

import pytest

from tests.e2e.pages import create_private_room, in_room, player_id, screenshot

pytestmark = pytest.mark.e2e


async def test_a_link_asks_for_a_name_before_joining(open_page, connect):
    host = await connect("Host")
    joined = await host.create_room()
    page = await open_page("Guest", path=f"/r/{joined.code.lower()}")
    await page.locator("#link-join").wait_for()
    assert await page.text_content("#link-code") == joined.code
    assert await page.input_value("#link-name") == "Guest"  # the name used last, to change
    assert await page.evaluate("window.__tickwire.screen") == "lobby"
    await screenshot(page, "link-name-prompt")

    await page.fill("#link-name", "Zed")
    await page.click("#link-join-button")
    assert (await in_room(page))["id"] == joined.room["id"]
    assert page.url.endswith(f"/r/{joined.code}")
    await host.wait_until(lambda _: "Zed" in [p["name"] for p in host.room["players"]])
    assert await page.evaluate("localStorage.getItem('tickwire.name')") == "Zed"


async def test_a_reload_takes_back_the_same_seat_and_leaves_no_ghost(open_page, connect):
    page = await open_page("Rex")
    room = await create_private_room(page)
    me = await player_id(page)
    friend = await connect("friend")
    seat = await friend.join(code=room["code"])
    await page.locator(".scores li", has_text="friend").wait_for()

    await page.reload()
    assert (await in_room(page))["id"] == room["id"]
    assert await player_id(page) == me
    assert await page.locator("#link-join").is_hidden()
    await friend.wait_until(lambda _: all(p["connected"] for p in friend.room["players"]))
    assert sorted((p["id"], p["name"]) for p in friend.room["players"]) == sorted(
        [(me, "Rex"), (seat.player_id, "friend")])
    await page.locator(".scores li").nth(1).wait_for()
    assert await page.locator(".scores li").count() == 2
    assert await page.locator(".scores li.offline").count() == 0
    assert await page.locator(".scores li.me", has_text="Rex").count() == 1


async def test_a_second_tab_does_not_take_the_seat(open_page):
    first = await open_page("Rex")
    await create_private_room(first)
    me = await player_id(first)
    # a duplicated tab starts with a copy of the first tab's session storage
    stored = await first.evaluate("JSON.stringify(Object.entries(sessionStorage))")
    second = await first.context.new_page()
    await second.add_init_script(
        f"for (const [k, v] of {json.dumps(json.loads(stored))}) sessionStorage.setItem(k, v)")
    await second.goto(first.url)
    await second.locator("#link-join").wait_for()
    assert await second.evaluate("window.__tickwire.screen") == "lobby"
    assert await second.evaluate("window.__tickwire.client") is None  # never connected
    await first.evaluate("window.__tickwire.client.connection.request('ping')")
    assert await first.evaluate("window.__tickwire.screen") == "room"
    assert await player_id(first) == me


async def test_forward_after_back_offers_the_room_again(open_page):
    page = await open_page("Fwd")
    room = await create_private_room(page)
    await page.go_back()
    await page.wait_for_function("() => window.__tickwire.screen === 'lobby'")
    assert page.url.endswith("/")
    await page.go_forward()
    await page.locator("#link-join").wait_for()
    assert await page.text_content("#link-code") == room["code"]
    assert page.url.endswith(f"/r/{room['code']}")
    await page.click("#link-back")
    await page.locator("#link-join").wait_for(state="hidden")
    assert page.url.endswith("/")
