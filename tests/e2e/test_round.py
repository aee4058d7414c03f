"""A round as a player sees it: the countdown before it, the spawn shield, a hit that flashes
and shows in the health readout, "destroyed by X, back in N", and the standings at its end
with your own row marked and the next round announced."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.pages import in_room, join_with_code, player_id, screenshot
from tests.helpers import firing

pytestmark = pytest.mark.e2e


def _face_off(tickwire, room_id: str, shooter: int, target: int) -> None:
    """Put ``target`` 150 units east of ``shooter`` (between two ticks)."""
    ships = tickwire.lobby.rooms[room_id].game.ships
    ships[shooter].x, ships[shooter].y = 400.0, 500.0
    ships[target].x, ships[target].y = 550.0, 500.0


async def _text(page, selector: str) -> str:
    return " ".join((await page.text_content(selector) or "").split())


async def _cells(page, selector: str) -> list[str]:
    """The texts of the element's innermost non-empty parts, in order."""
    return await page.eval_on_selector(selector, """(row) => [...row.querySelectorAll('*')]
        .filter((node) => node.children.length === 0 && node.textContent.trim())
        .map((node) => node.textContent.trim())""")


async def _sniper_and_alice(open_page, connect):
    """A bot, Sniper, in a room of its own without drones, and Alice in it in the page: the
    bot, its joined room and the page."""
    sniper = await connect("Sniper")
    joined = await sniper.create_room(settings={"npcs": 0})
    page = await open_page("Alice")
    await join_with_code(page, joined.code)
    await in_room(page)
    return sniper, joined, page


async def test_a_hit_flashes_and_a_destroyed_pilot_learns_by_whom_and_when_back(
        tickwire, open_page, connect):
    sniper, joined, page = await _sniper_and_alice(open_page, connect)
    await page.locator("#shield-tag").wait_for()  # shielded for a moment after joining
    assert await _text(page, "#health-value") == "100"
    assert await page.locator("#hit-flash.on").count() == 0

    _face_off(tickwire, joined.room["id"], joined.player_id, await player_id(page))
    async with firing(sniper, aim=0.0):
        await page.wait_for_function(  # the first hit after the shield ran out
            "() => document.querySelector('#health-value').textContent === '75'")
        assert await page.locator("#hit-flash.on").count() == 1
        assert await page.locator("#shield-tag").is_hidden()
        await screenshot(page, "hit-flash-health-readout")
        await page.wait_for_function(
            r"() => /^Destroyed by Sniper — back in [123]…$/"
            ".test(document.querySelector('#respawn').textContent)")
        assert await _text(page, "#health-value") == "0"
        await page.locator(".kill-feed li.mine", has_text="Alice").wait_for()  # about you
        await screenshot(page, "destroyed-by-back-in")
    await page.wait_for_function(  # back, whole and shielded
        "() => document.querySelector('#respawn').textContent === ''"
        " && document.querySelector('#health-value').textContent === '100'")
    await page.locator("#shield-tag").wait_for()


async def test_a_hit_flashes_any_ship_on_screen_not_only_your_own(tickwire, open_page, connect):
    sniper = await connect("Sniper")
    joined = await sniper.create_room(settings={"npcs": 0})
    target = (await (await connect("Target")).join(code=joined.code)).player_id
    page = await open_page("Alice")
    await join_with_code(page, joined.code)
    await in_room(page)
    _face_off(tickwire, joined.room["id"], joined.player_id, target)
    ships = tickwire.lobby.rooms[joined.room["id"]].game.ships
    alice = ships[await player_id(page)]
    alice.x, alice.y = 475.0, 750.0  # out of the line of fire, Target in view
    assert target not in await page.evaluate("window.__tickwire.drawn.flashing")
    async with firing(sniper, aim=0.0):
        await page.wait_for_function(  # once Target's shield is gone, the first hit
            "(id) => window.__tickwire.drawn.flashing.includes(id)", arg=target)
    assert target in await page.evaluate("window.__tickwire.drawn.ships")
    assert ships[target].hp < 100


# Every frame from now until your ship died and came back: its health as drawn, and whether the
# ship, its name and health bar were drawn.
RECORD_DEATH = """() => new Promise((resolve) => {
    const me = window.__tickwire.client.playerId;
    const frames = [];
    const record = () => {
        const drawn = window.__tickwire.drawn;
        frames.push({hp: drawn.myHp, ship: drawn.ships.includes(me),
                     label: drawn.labels.includes(me)});
        const died = frames.some((frame) => frame.hp === 0);
        if (died && drawn.myHp > 0) resolve(frames);
        else requestAnimationFrame(record);
    };
    requestAnimationFrame(record);
})"""


async def test_a_destroyed_ship_leaves_no_name_nor_health_bar_until_it_is_back(
        tickwire, open_page, connect):
    sniper, joined, page = await _sniper_and_alice(open_page, connect)
    await page.wait_for_function("() => window.__tickwire.drawn.myHp > 0")  # your ship is shown
    recording = asyncio.create_task(page.evaluate(RECORD_DEATH))
    _face_off(tickwire, joined.room["id"], joined.player_id, await player_id(page))
    async with firing(sniper, aim=0.0):
        await page.wait_for_function("() => window.__tickwire.drawn.myHp === 0")
    frames = await recording
    dead = [frame for frame in frames if frame["hp"] == 0]
    assert dead
    assert [frame for frame in dead if frame["ship"] or frame["label"]] == []
    alive = [frame for frame in frames if frame["hp"] > 0]
    assert alive[0]["ship"] and alive[0]["label"] and alive[-1]["ship"] and alive[-1]["label"]


async def test_a_round_counts_down_then_ends_on_the_standings_and_the_next_one_comes(
        tickwire, open_page, connect):
    sniper = await connect("Sniper")
    joined = await sniper.create_room(settings={"npcs": 0, "score_limit": 1, "countdown": 2})
    page = await open_page("Alice")
    await join_with_code(page, joined.code)
    await in_room(page)
    me = await player_id(page)
    await sniper.start()
    await page.wait_for_function(  # the same second in the centre and in the headline
        "() => ['2', '1'].some((n) => document.querySelector('#countdown').textContent === n"
        " && document.querySelector('.banner').textContent === `Round starts in ${n}`)")
    await screenshot(page, "round-countdown")
    await page.wait_for_function(r"() => /^\d+:\d\d$/.test("
                                 "document.querySelector('.banner').textContent)")
    assert "Alice" in await page.locator(".scores li.me").text_content()

    _face_off(tickwire, joined.room["id"], joined.player_id, me)
    async with firing(sniper, aim=0.0):
        await page.locator("#round-end").wait_for()
    assert await _text(page, ".round-winner") == "Sniper wins the round!"
    rows = page.locator("#standings li")
    assert await rows.count() == 2
    assert await _cells(page, "#standings li:nth-child(1)") == ["1", "Sniper", "1", "0"]
    assert await _cells(page, "#standings li.me") == ["2", "Alice", "you", "0", "1"]
    assert await page.locator("#standings li.me").count() == 1
    next_round = await _text(page, "#next-round")
    assert next_round.startswith("Next round in ") and next_round.endswith(" s")
    assert (await _text(page, ".banner")).startswith("Round over · next round in ")
    await screenshot(page, "round-end-standings")

    await page.locator("#round-end").wait_for(state="hidden")  # the next round's countdown
    assert (await _text(page, ".banner")).startswith("Round starts in ")
    assert await _text(page, "#health-value") == "100"
