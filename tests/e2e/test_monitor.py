"""The monitor page in real Chromium: sign-in, the overview (nodes, rooms), a room's page with
its players and live spectator view, and actions that reach the players' pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page

from server.config import ServerConfig
from tests.e2e.pages import create_private_room, in_room, join_with_code, player_id, screenshot
from tests.helpers import ADMIN_TOKEN, config_with

pytestmark = pytest.mark.e2e


@pytest.fixture
def server_config(web_root: Path) -> ServerConfig:
    return config_with(web_root=str(web_root), admin_token=ADMIN_TOKEN, ping_interval=1)


async def sign_in(page: Page, token: str = ADMIN_TOKEN) -> None:
    await page.fill("#token", token)
    await page.click("#login button[type=submit]")


async def a_room_of_two(open_page) -> tuple[Page, Page, dict]:
    alice = await open_page("Alice")
    room = await create_private_room(alice)
    bob = await open_page("Bob")
    await join_with_code(bob, room["code"])
    await in_room(bob)
    return alice, bob, room


async def test_sign_in_overview_and_a_rooms_page_with_its_spectator_view(open_page):
    alice, bob, room = await a_room_of_two(open_page)
    monitor = await open_page(path="/monitor")
    await monitor.wait_for_selector("#login")
    await screenshot(monitor, "monitor-sign-in")
    await sign_in(monitor, "not-the-token")
    await monitor.wait_for_selector("#login .problem")
    await sign_in(monitor)
    await monitor.wait_for_selector(f"#rooms tr[data-room='{room['id']}']")
    row = monitor.locator(f"#rooms tr[data-room='{room['id']}']")
    assert await row.locator("td[data-column=code]").inner_text() == room["code"]
    assert (await row.locator("td[data-column=players]").inner_text()).startswith("2/")
    await monitor.wait_for_function("() => window.__monitor.nodes[0]?.history.players.length >= 1")
    assert await monitor.locator(".node-card canvas.spark").count() == 10
    await monitor.fill("#room-filter", "no-such-room")
    assert await monitor.locator("#rooms tbody tr").count() == 0
    await monitor.fill("#room-filter", room["code"].lower())
    assert await monitor.locator("#rooms tbody tr").count() == 1
    await monitor.click("#rooms th[data-key=code]")
    assert await monitor.locator("#rooms th.sorted").get_attribute("data-key") == "code"
    await screenshot(monitor, "monitor-overview")

    await row.locator("button.open").click()
    await monitor.wait_for_selector("#players tr[data-player]")
    names = await monitor.locator("#players tbody td .name").all_inner_texts()
    assert names == ["Alice", "Bob"]
    await monitor.wait_for_function(
        "() => window.__monitor.watcher?.mirror?.synced && window.__monitor.watcher.spectating")
    watched = await monitor.evaluate("window.__monitor.watcher.room")
    assert watched["id"] == room["id"] and watched["spectators"] == 0
    await monitor.wait_for_function(
        "(id) => window.__monitor.watcher.mirror.entity(id) !== null", arg=await player_id(alice))
    assert await monitor.locator("#spectator-state").inner_text() == "Live"
    await monitor.wait_for_function(
        "() => window.__monitor.room?.roster.every((p) => p.ping_ms !== null)")
    await screenshot(monitor, "monitor-room")
    assert (await alice.evaluate("window.__tickwire.client.room"))["spectators"] == 0
    assert await bob.evaluate("window.__tickwire.screen") == "room"


async def test_a_kick_from_the_monitor_reaches_the_player(open_page):
    _, bob, room = await a_room_of_two(open_page)
    bob_id = await player_id(bob)
    monitor = await open_page(path=f"/monitor#/room/{room['id']}")
    await sign_in(monitor)
    await monitor.locator(f"#players tr[data-player='{bob_id}'] button.kick").click()
    await bob.wait_for_function("() => window.__tickwire.screen === 'lobby'")
    assert "removed from the room" in await bob.inner_text("body")
    await monitor.wait_for_selector(f"#players tr[data-player='{bob_id}']", state="detached")
    assert await monitor.inner_text("#notice") == "Bob kicked"
    await screenshot(bob, "monitor-kicked-player")


async def test_announce_drain_and_close_from_the_monitor(open_page):
    alice, bob, room = await a_room_of_two(open_page)
    monitor = await open_page(path="/monitor")
    await sign_in(monitor)
    await monitor.wait_for_selector(".node-card button.drain")
    await monitor.fill("#announce-text", "Restart in <b>5</b> minutes")
    await monitor.click("#announce button")
    await alice.wait_for_function(
        "() => document.body.innerText.includes('Restart in <b>5</b> minutes')")
    await monitor.click(".node-card button.drain")
    await monitor.wait_for_selector(".node-card .tag.warn")
    assert await monitor.inner_text(".node-card button.drain") == "Undo drain"
    monitor.on("dialog", lambda dialog: dialog.accept())
    await monitor.locator(f"#rooms tr[data-room='{room['id']}'] button.close-room").click()
    for page in (alice, bob):
        await page.wait_for_function("() => window.__tickwire.screen === 'lobby'")
    await monitor.wait_for_selector(f"#rooms tr[data-room='{room['id']}']", state="detached")
    await screenshot(monitor, "monitor-drained")
