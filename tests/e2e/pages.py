"""What the end-to-end tests do and read in a Tickwire page (through the lobby's controls and
the ``window.__tickwire`` debug handle)."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
VIEWPORT = {"width": 1280, "height": 720}
WAIT_MS = 10_000  # the most a page waits for anything


async def in_room(page: Page) -> dict:
    """Wait until the page shows a room with a synced mirror; returns the room info."""
    await page.wait_for_function(
        "() => window.__tickwire.screen === 'room' && window.__tickwire.client.mirror?.synced")
    return await page.evaluate("window.__tickwire.client.room")


async def create_private_room(page: Page) -> dict:
    """Press Create private room; returns the room info once in it."""
    await page.click("#create-room")
    return await in_room(page)


async def join_with_code(page: Page, code: str, spectate: bool = False) -> None:
    """Type ``code`` in the lobby and press Join (or Watch)."""
    await page.fill("#join-code", code)
    await page.click("#watch" if spectate else "#join")


async def player_id(page: Page) -> int | None:
    """The page's own player id (None when spectating)."""
    return await page.evaluate("window.__tickwire.client.playerId")


async def entity(page: Page, entity_id: int) -> dict | None:
    """One entity as the page mirrors it (latest server values)."""
    return await page.evaluate("(id) => window.__tickwire.entity(id)", entity_id)


async def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path))
    return path
