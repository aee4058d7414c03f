"""A page that misses ticks asks for a keyframe and carries on."""

from __future__ import annotations

import pytest

from tests.e2e.pages import create_private_room

pytestmark = pytest.mark.e2e


async def test_a_tick_gap_is_mended_with_a_keyframe(open_page):
    page = await open_page("Gappy")
    await create_private_room(page)
    await page.evaluate("window.__tickwire.client.mirror.tick -= 3")  # as if 3 ticks were lost
    await page.wait_for_function(
        "() => window.__tickwire.client.mirror.gaps === 1"
        " && window.__tickwire.client.mirror.synced")
