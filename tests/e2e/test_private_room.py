"""Two people in a private room: one creates it, the other joins with the code (or the link),
and what one does with the keyboard shows on the other's screen."""

from __future__ import annotations

import pytest

from shared.games.arena import RULES
from tests.e2e.pages import (
    create_private_room,
    entity,
    in_room,
    join_with_code,
    player_id,
    screenshot,
)

pytestmark = pytest.mark.e2e

MOVE_AT_LEAST = 40  # world units the other page must see the ship travel


async def test_join_by_code_and_see_the_other_player_move(open_page):
    alice = await open_page("Alice")
    room = await create_private_room(alice)
    assert not room["public"]
    assert await alice.text_content(".hud .room-code") == room["code"]

    bob = await open_page("Bob")
    code = room["code"].lower()
    await join_with_code(bob, f"  {code[:3]} {code[3:]}  ")
    assert (await in_room(bob))["id"] == room["id"]

    alice_id = await player_id(alice)
    await bob.wait_for_function("(id) => window.__tickwire.entity(id) !== null", arg=alice_id)
    start = await entity(bob, alice_id)
    key = "ArrowRight" if start["x"] < RULES.world / 2 else "ArrowLeft"
    await alice.keyboard.down(key)
    try:
        await bob.wait_for_function(
            "([id, x, far]) => Math.abs(window.__tickwire.entity(id).x - x) >= far",
            arg=[alice_id, start["x"], MOVE_AT_LEAST])
    finally:
        await alice.keyboard.up(key)
    moved = await entity(bob, alice_id)
    assert moved["y"] == start["y"]
    assert (moved["x"] > start["x"]) == (key == "ArrowRight")

    await bob.wait_for_selector(".scores li:has-text('Alice')")
    await alice.wait_for_selector(".scores li:has-text('Bob')")
    assert await bob.is_hidden("text=Start round")  # only the host may start
    await alice.click("text=Start round")
    await bob.wait_for_function(  # the round clock runs on the other page too
        r"() => /^\d+:\d\d$/.test(document.querySelector('.banner').textContent)")
    await screenshot(bob, "private-room-two-players")


async def test_the_code_can_be_copied_and_the_shared_link_joins(open_page):
    host = await open_page("Host")
    room = await create_private_room(host)
    await host.click("#copy-code")
    assert await host.evaluate("navigator.clipboard.readText()") == room["code"]
    await host.click("#copy-link")
    link = await host.evaluate("navigator.clipboard.readText()")
    assert link.endswith(f"/r/{room['code']}")
    guest = await open_page("Guest", path=f"/r/{room['code'].lower()}")
    await guest.click("#link-join-button")  # the name prompt, with the remembered name
    assert (await in_room(guest))["id"] == room["id"]
    assert guest.url.endswith(f"/r/{room['code']}")


async def test_unknown_code_and_bad_name_are_explained_in_the_page(open_page):
    page = await open_page("Carol")
    await join_with_code(page, "zzzz zz")
    error = page.locator("#lobby-error")
    await error.wait_for(state="visible")
    assert "No room with that code" in await error.text_content()

    await page.fill("#name", "<img src=x>")
    await page.click("#quick-play")
    await page.wait_for_function(
        "() => document.querySelector('#lobby-error').textContent.includes('Display names')")
    assert await page.evaluate("window.__tickwire.screen") == "lobby"


async def test_a_full_room_is_explained_in_the_page(open_page, connect):
    bot = await connect("solo")
    joined = await bot.create_room(max_players=1)
    page = await open_page("Late")
    await join_with_code(page, joined.code)
    await page.wait_for_function(
        "() => document.querySelector('#lobby-error').textContent.includes('full')")


async def test_leave_returns_to_the_lobby(open_page):
    page = await open_page("Dana")
    await create_private_room(page)
    await page.click("#leave")
    await page.wait_for_selector("#quick-play")
    assert await page.evaluate("window.__tickwire.screen") == "lobby"
    assert page.url.endswith("/")


async def test_the_canvas_fills_the_window_and_follows_its_size(open_page):
    page = await open_page("Eve")
    await create_private_room(page)
    fills = "([w, h]) => { const c = document.querySelector('#arena');" \
            " return c.clientWidth === w && c.clientHeight === h && c.width >= w; }"
    await page.wait_for_function(fills, arg=[1280, 720])
    await page.set_viewport_size({"width": 900, "height": 600})
    await page.wait_for_function(fills, arg=[900, 600])


async def test_a_kicked_player_is_told_in_the_lobby(open_page, connect):
    host = await connect("boss")
    joined = await host.create_room()
    page = await open_page("Pest")
    await join_with_code(page, joined.code)
    await in_room(page)
    await host.kick(await player_id(page))
    await page.wait_for_function(
        "() => document.querySelector('#lobby-error').textContent"
        ".includes('removed from the room')")
    assert await page.evaluate("window.__tickwire.screen") == "lobby"
