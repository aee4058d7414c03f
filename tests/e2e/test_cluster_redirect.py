"""A browser on a page served by one cluster node plays in a room that lives on another: the
page follows the redirect (CORS and the page's CSP allow the other node) and plays there."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser

from client import TickwireClient
from tests.cluster.helpers import forget_prefix
from tests.cluster.servers import NodeServer, start_node
from tests.e2e.pages import VIEWPORT, WAIT_MS, in_room, join_with_code, player_id, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
async def cluster(web_root: Path) -> AsyncIterator[tuple[str, list[NodeServer]]]:
    """A cluster's key prefix and its nodes (stopped after the test), the first one started."""
    prefix = f"tw:test:{secrets.token_hex(6)}:"
    nodes = [await start_node(prefix, "owner", web_root=str(web_root))]
    try:
        yield prefix, nodes
    finally:
        for node in nodes:
            await node.stop()
        await forget_prefix(prefix)


async def test_the_page_follows_the_redirect_to_the_rooms_node_and_plays(
        browser: Browser, cluster: tuple[str, list[NodeServer]], web_root: Path) -> None:
    prefix, nodes = cluster
    owner = nodes[0]
    host = TickwireClient("Host")
    await host.connect(owner.url)
    try:
        seat = await host.create_room()  # on the owner: the only node yet
        page_node = await start_node(prefix, "pages", web_root=str(web_root))
        nodes.append(page_node)

        context = await browser.new_context(viewport=VIEWPORT)
        errors: list[str] = []
        page = await context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("pageerror", lambda error: errors.append(str(error)))
        await context.add_init_script("localStorage.setItem('tickwire.name', 'Visitor')")
        await page.goto(page_node.url + "/")
        await join_with_code(page, seat.code)
        room = await in_room(page)
        assert room["id"] == seat.room["id"]
        assert await page.evaluate("window.__tickwire.client.connection.socket.io.uri") \
            == owner.url
        visitor = await player_id(page)
        await host.wait_until(lambda mirror: visitor in mirror.entities)
        await page.keyboard.down("ArrowDown")
        start = list(host.mirror.entities[visitor])  # the host sees the visitor move
        await host.wait_until(lambda mirror: mirror.entities[visitor] != start)
        await page.keyboard.up("ArrowDown")
        await screenshot(page, "cluster-redirect")
        await context.close()
        assert not errors, errors
    finally:
        await host.disconnect()
