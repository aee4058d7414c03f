"""A browser player and Python bots in one private room, seeing each other play; the page's
frame rate with 8 bots in the room is measured and written to test-artifacts/ (a number to
report, not an assertion)."""

from __future__ import annotations

import pytest

from shared.games.arena import RULES
from tests.e2e.pages import ARTIFACTS, entity, in_room, join_with_code, player_id, screenshot
from tests.helpers import bots_in_a_started_room, wandering

pytestmark = pytest.mark.e2e

BOTS = 8
FRAME_RATE_WINDOW_MS = 3000
MEASURE_FRAME_RATE = """(window_ms) => new Promise((done) => {
    let frames = 0;
    const start = performance.now();
    const count = (now) => {
        frames += 1;
        if (now - start < window_ms) requestAnimationFrame(count);
        else done(frames * 1000 / (now - start));
    };
    requestAnimationFrame(count);
})"""


async def test_browser_player_and_bots_share_a_room(open_page, connect):
    bots, joined = await bots_in_a_started_room(connect, BOTS)
    async with wandering(bots, seed=5):
        page = await open_page("Human")
        await join_with_code(page, joined.code)
        await in_room(page)
        await page.wait_for_function("() => document.querySelectorAll('.scores li').length === 9")
        for index in range(BOTS):
            await page.locator(".scores li", has_text=f"bot{index}").wait_for()

        bot_id = bots[1].joined.player_id
        bot_start = await entity(page, bot_id)
        await page.wait_for_function(  # the bots' moves show in the page
            "([id, x, y]) => { const e = window.__tickwire.entity(id);"
            " return e.x !== x || e.y !== y; }", arg=[bot_id, bot_start["x"], bot_start["y"]])

        me = await player_id(page)
        await bots[0].wait_until(lambda m: m.entity(me) is not None)
        start = bots[0].mirror.entity(me)
        key = "ArrowDown" if start["y"] < RULES.world / 2 else "ArrowUp"
        await page.keyboard.down(key)
        try:  # the page's moves show to the bots
            await bots[0].wait_until(lambda m: abs(m.entity(me)["y"] - start["y"]) >= 30)
        finally:
            await page.keyboard.up(key)

        frame_rate = await page.evaluate(MEASURE_FRAME_RATE, FRAME_RATE_WINDOW_MS)
        shown = await page.evaluate("window.__tickwire.fps")
        await screenshot(page, "mixed-room-browser-and-8-bots")
    ARTIFACTS.mkdir(exist_ok=True)
    report = (f"page frame rate with {BOTS} bots in the room: {frame_rate:.1f} fps "
              f"(requestAnimationFrame over {FRAME_RATE_WINDOW_MS} ms; HUD showed {shown})\n")
    (ARTIFACTS / "frame-rate.txt").write_text(report)
    print(report)
    assert frame_rate > 0
