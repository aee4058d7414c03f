"""A dropped connection shows at once, reconnects by itself and resumes the same seat; when
the seat is gone, the page says so and returns to the lobby."""

from __future__ import annotations

import pytest

from shared.games.arena import RULES
from tests.e2e.pages import create_private_room, entity, in_room, player_id, screenshot
from tests.helpers import config_with

pytestmark = pytest.mark.e2e

SEAT_GRACE = 1.5  # seconds; the page reconnects well within it unless told to wait


@pytest.fixture
def server_config(web_root):
    return config_with(web_root=str(web_root), seat_grace=SEAT_GRACE)


async def test_a_dropped_connection_resumes_the_same_seat(open_page, connect):
    page = await open_page("Rex")
    room = await create_private_room(page)
    me = await player_id(page)
    friend = await connect("friend")
    await friend.join(code=room["code"])

    await page.evaluate("window.__tickwire.dropConnection()")
    await page.wait_for_selector(".link-lost", state="visible")
    await page.wait_for_selector(".link-lost", state="hidden")
    resumed = await in_room(page)
    assert resumed["id"] == room["id"]
    assert await player_id(page) == me

    start = await entity(page, me)
    key = "ArrowRight" if start["x"] < RULES.world / 2 else "ArrowLeft"
    await page.keyboard.down(key)
    try:  # inputs after the resume are taken: the other player sees the ship move
        await friend.wait_until(lambda m: abs(m.entity(me)["x"] - start["x"]) >= 30)
    finally:
        await page.keyboard.up(key)


async def test_an_expired_seat_is_explained_and_leads_back_to_the_lobby(open_page):
    page = await open_page("Slow")
    await create_private_room(page)
    await page.evaluate("""() => {
        const manager = window.__tickwire.client.connection.socket.io;
        manager.reconnectionDelay(4500);  // come back only after the seat is released
        manager.reconnectionDelayMax(4500);
        manager.randomizationFactor(0);
        window.__tickwire.dropConnection();
    }""")
    await page.wait_for_selector(".link-lost", state="visible")
    error = page.locator("#lobby-error")
    await error.wait_for(state="visible", timeout=15_000)
    assert "seat was released" in await error.text_content()
    assert await page.evaluate("window.__tickwire.screen") == "lobby"


async def test_a_player_who_dropped_shows_as_offline_until_back(open_page, connect):
    page = await open_page("Host")
    room = await create_private_room(page)
    friend = await connect("Flaky")
    await friend.join(code=room["code"])
    row = page.locator(".scores li", has_text="Flaky")
    await row.wait_for()

    await friend.drop_connection()
    await page.locator(".scores li.offline", has_text="Flaky").wait_for()
    await screenshot(page, "player-offline-dimmed")
    await friend.reconnect()
    await page.locator(".scores li.offline", has_text="Flaky").wait_for(state="detached")
