"""Touch and small screens: on a phone (portrait and landscape, real touch input) the left
stick moves the ship, the right one aims and fires, a tap fires, the page neither scrolls nor
zooms, and the hint speaks of touch; the HUD's parts (the health readout too) never overlap on
a phone or on a 1000 px desktop, nor reach under a notch; a desktop has no sticks and its mouse
still aims and fires."""

from __future__ import annotations

import math
from typing import Any

import pytest
from playwright.async_api import CDPSession, Page

from server.games.arena import BULLET, Arena
from tests.e2e.pages import in_room, player_id, screenshot
from tests.helpers import RunningServer

pytestmark = pytest.mark.e2e

PHONES = {
    "portrait": {"width": 390, "height": 844},
    "landscape": {"width": 844, "height": 390},
}
TOUCH_HINT = "Drag left to move · drag right to aim and fire"
KEYBOARD_HINT = "WASD / arrows to move · mouse to aim · click or Space to fire"
MIDDLE = 500.0  # of the arena: a ship there has room to move every way
MOVE_AT_LEAST = 40  # world units a held stick must move the ship
STILL_TICKS = 10  # ticks a released stick must leave the ship where it is
HUD_PARTS = {  # what must never overlap, by CSS selector
    "room bar": ".hud-top-left",  # room code, Copy code, Copy link
    "banner": ".hud .banner",  # warm-up text or the round's timer
    "start": ".hud-top-center button",
    "ping": "#ping",
    "fps": "#fps",
    "scoreboard": ".hud-right",
    "leave": "#leave",
    "hint": ".hud .hint",
    "health": "#health",
    "move stick": ".stick.move",
    "aim stick": ".stick.aim",
}
NOTCH = {"top": 0, "left": 47, "right": 47, "bottom": 21}  # a phone held sideways, in px
BOTS = 5  # other players, so the scoreboard has rows to show
SOME_BULLET = """(kind) => [...window.__tickwire.client.mirror.view().values()]
  .some((e) => e.kind === kind)"""


class Fingers:
    """Real touch input through the DevTools protocol: fingers put down, slid and lifted one
    at a time (each event names the finger that changed; the others stay where they are)."""

    def __init__(self, session: CDPSession) -> None:
        self.session = session
        self.points: dict[int, tuple[float, float]] = {}

    @classmethod
    async def on(cls, page: Page) -> Fingers:
        return cls(await page.context.new_cdp_session(page))

    async def down(self, finger: int, x: float, y: float) -> None:
        self.points[finger] = (x, y)
        await self._send("touchStart", finger)

    async def drag(self, finger: int, x: float, y: float, steps: int = 4) -> None:
        """Slide ``finger`` to (``x``, ``y``) in a few moves."""
        x0, y0 = self.points[finger]
        for step in range(1, steps + 1):
            self.points[finger] = (x0 + (x - x0) * step / steps, y0 + (y - y0) * step / steps)
            await self._send("touchMove", finger)

    async def up(self, finger: int) -> None:
        await self._send("touchEnd", finger)
        del self.points[finger]

    async def _send(self, kind: str, finger: int) -> None:
        x, y = self.points[finger]
        await self.session.send("Input.dispatchTouchEvent",
                                {"type": kind, "touchPoints": [{"x": x, "y": y, "id": finger}]})


async def open_phone(open_page: Any, name: str, orientation: str) -> Page:
    """A page in a phone's browser: its viewport, a touch screen, mobile mode."""
    return await open_page(name, viewport=PHONES[orientation], has_touch=True, is_mobile=True)


async def enter_room_by_tap(page: Page) -> dict:
    """Tap Create private room; returns the room info once in it."""
    await page.tap("#create-room")
    return await in_room(page)


async def ship_in_the_middle(page: Page, tickwire: RunningServer, room: dict) -> tuple[Arena, int]:
    """Put the page's ship in the middle of the arena (between ticks) and wait until the page
    has it there; returns the room's game and the ship's id."""
    game = tickwire.lobby.rooms[room["id"]].game
    assert isinstance(game, Arena)
    me = await player_id(page)
    assert me is not None
    game.ships[me].x = game.ships[me].y = MIDDLE
    await page.wait_for_function(
        "([id, at]) => ['x', 'y'].every((axis) => window.__tickwire.entity(id)[axis] === at)",
        arg=[me, MIDDLE])
    return game, me


async def centre(page: Page, selector: str) -> tuple[float, float]:
    """The centre of an element on screen, in CSS pixels."""
    box = await page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


async def stick_radius(page: Page, selector: str) -> float:
    box = await page.locator(selector).bounding_box()
    assert box is not None
    return box["width"] / 2


async def wait_until_still(page: Page, me: int) -> None:
    """Wait until the page has seen the ship at one place for STILL_TICKS ticks."""
    await page.wait_for_function(
        """([id, ticks]) => {
          const tick = window.__tickwire.client.mirror.tick;
          const { x, y } = window.__tickwire.entity(id);
          const last = window.__stillSince;
          if (!last || last.x !== x || last.y !== y) {
            window.__stillSince = { x, y, tick };
            return false;
          }
          return tick - last.tick >= ticks;
        }""", arg=[me, STILL_TICKS])


def bullets_of(game: Arena, owner: int) -> list[Any]:
    return [body for body in game.entities.values()
            if body.kind == BULLET and getattr(body, "owner", None) == owner]


@pytest.mark.parametrize("orientation", PHONES)
async def test_the_left_stick_moves_the_ship_and_stops_it_when_lifted(open_page, tickwire,
                                                                     orientation):
    page = await open_phone(open_page, "Thumb", orientation)
    assert await page.text_content(".controls-help") == TOUCH_HINT  # the lobby's, too
    room = await enter_room_by_tap(page)
    game, me = await ship_in_the_middle(page, tickwire, room)
    assert await page.is_visible(".stick.move") and await page.is_visible(".stick.aim")
    assert await page.text_content(".hud .hint") == TOUCH_HINT
    assert await page.is_visible(".hud .hint")

    x, y = await centre(page, ".stick.move")
    radius = await stick_radius(page, ".stick.move")
    fingers = await Fingers.on(page)
    await fingers.down(1, x, y)
    await fingers.drag(1, x + 2 * radius, y)  # right, past the rim: full speed
    assert "held" in (await page.get_attribute(".stick.move", "class") or "")
    await page.wait_for_function(
        "([id, far]) => window.__tickwire.entity(id).x >= far", arg=[me, MIDDLE + MOVE_AT_LEAST])
    assert game.ships[me].x >= MIDDLE + MOVE_AT_LEAST  # the server's own state
    assert game.ships[me].y == MIDDLE  # straight right
    await screenshot(page, f"touch-{orientation}-moving")

    await fingers.up(1)
    await wait_until_still(page, me)
    assert "held" not in (await page.get_attribute(".stick.move", "class") or "")
    assert not bullets_of(game, me)  # moving never fires


@pytest.mark.parametrize("orientation", PHONES)
async def test_the_right_stick_aims_and_fires_while_the_left_one_moves(open_page, tickwire,
                                                                      orientation):
    page = await open_phone(open_page, "Thumbs", orientation)
    room = await enter_room_by_tap(page)
    game, me = await ship_in_the_middle(page, tickwire, room)
    move_x, move_y = await centre(page, ".stick.move")
    aim_x, aim_y = await centre(page, ".stick.aim")
    radius = await stick_radius(page, ".stick.aim")
    fingers = await Fingers.on(page)

    await fingers.down(1, move_x, move_y)
    await fingers.drag(1, move_x, move_y + radius)  # down, to the rim: full speed
    await fingers.down(2, aim_x, aim_y)
    await fingers.drag(2, aim_x, aim_y - radius)  # up: aim north and fire
    await page.wait_for_function(
        "([id, far]) => window.__tickwire.entity(id).y >= far", arg=[me, MIDDLE + MOVE_AT_LEAST])
    await page.wait_for_function(SOME_BULLET, arg=BULLET)
    assert bullets_of(game, me)
    assert game.ships[me].angle == pytest.approx(-math.pi / 2)
    assert game.ships[me].x == MIDDLE  # the aim does not steer
    await screenshot(page, f"touch-{orientation}-both-sticks")

    await fingers.up(2)
    await fingers.up(1)
    await page.wait_for_function(f"(kind) => !({SOME_BULLET})(kind)", arg=BULLET)  # a bullet
    # lives 0.8 s and a held stick fires every 0.3 s: none left means the firing stopped
    await wait_until_still(page, me)
    assert not bullets_of(game, me)
    assert await page.evaluate("[scrollX, scrollY, visualViewport.scale]") == [0, 0, 1]


@pytest.mark.parametrize("orientation", PHONES)
async def test_a_tap_on_the_right_fires_where_the_ship_aims(open_page, tickwire, orientation):
    page = await open_phone(open_page, "Tapper", orientation)
    room = await enter_room_by_tap(page)
    game, me = await ship_in_the_middle(page, tickwire, room)
    viewport = PHONES[orientation]
    await page.touchscreen.tap(viewport["width"] * 0.75, viewport["height"] * 0.3)  # up right
    await page.wait_for_function(SOME_BULLET, arg=BULLET)
    assert game.ships[me].angle == 0.0  # a tap fires; it does not turn the ship to the finger
    assert (game.ships[me].x, game.ships[me].y) == (MIDDLE, MIDDLE)


async def test_a_pinch_neither_zooms_nor_scrolls_the_page(open_page, tickwire):
    page = await open_phone(open_page, "Pincher", "portrait")
    await enter_room_by_tap(page)
    fingers = await Fingers.on(page)
    await fingers.down(1, 150, 400)
    await fingers.down(2, 240, 450)
    await fingers.drag(1, 40, 300)
    await fingers.drag(2, 350, 560)
    await fingers.up(1)
    await fingers.up(2)
    await page.evaluate("new Promise(requestAnimationFrame)")
    assert await page.evaluate("[scrollX, scrollY, visualViewport.scale]") == [0, 0, 1]
    assert await page.evaluate("getComputedStyle(document.querySelector('.game')).touchAction") \
        == "none"


async def hud_boxes(page: Page) -> dict[str, dict[str, float]]:
    """The on-screen box of each HUD part that shows."""
    return await page.evaluate(
        """(parts) => Object.fromEntries(Object.entries(parts).flatMap(([name, selector]) => {
          const node = document.querySelector(selector);
          if (!node || !node.checkVisibility()) return [];
          const { left, top, right, bottom } = node.getBoundingClientRect();
          return right > left && bottom > top ? [[name, { left, top, right, bottom }]] : [];
        }))""", HUD_PARTS)


def overlaps(boxes: dict[str, dict[str, float]]) -> list[tuple[str, str]]:
    names = sorted(boxes)
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
            if boxes[a]["left"] < boxes[b]["right"] and boxes[b]["left"] < boxes[a]["right"]
            and boxes[a]["top"] < boxes[b]["bottom"] and boxes[b]["top"] < boxes[a]["bottom"]]


def check_layout(boxes: dict[str, dict[str, float]], viewport: dict[str, int], touch: bool) -> None:
    assert overlaps(boxes) == [], boxes
    outside = [name for name, box in boxes.items()
               if box["left"] < 0 or box["top"] < 0
               or box["right"] > viewport["width"] or box["bottom"] > viewport["height"]]
    assert outside == [], boxes
    assert {"room bar", "banner", "ping", "fps", "scoreboard", "leave", "hint", "health"} \
        <= boxes.keys()
    sticks = {"move stick", "aim stick"}
    assert sticks & boxes.keys() == (sticks if touch else set())
    board = boxes["scoreboard"]
    share = ((board["right"] - board["left"]) * (board["bottom"] - board["top"])
             / (viewport["width"] * viewport["height"]))
    assert share < 0.1, f"the scoreboard covers {share:.0%} of the screen"


@pytest.mark.parametrize("screen", ["portrait", "landscape", "desktop-1000"])
async def test_the_hud_parts_never_overlap(open_page, connect, screen):
    touch = screen in PHONES
    if touch:
        viewport = PHONES[screen]
        page = await open_phone(open_page, "Host", screen)
    else:
        viewport = {"width": 1000, "height": 700}
        page = await open_page("Host", viewport=viewport)
    await page.click("#create-room")
    room = await in_room(page)
    for number in range(BOTS):
        bot = await connect(f"Long-named bot {number}")
        await bot.join(room["code"])
    await page.wait_for_function("(n) => document.querySelectorAll('.scores li').length === n",
                                 arg=BOTS + 1)
    await page.wait_for_function("() => window.__tickwire.client.ping !== null")

    assert await page.is_visible(".hud-top-center button")  # the host's Start round
    check_layout(await hud_boxes(page), viewport, touch)
    await screenshot(page, f"hud-{screen}-warmup")

    await (page.tap if touch else page.click)(".hud-top-center button")
    await page.wait_for_function(  # the round's clock, as test_private_room reads it
        r"() => /^\d+:\d\d$/.test(document.querySelector('.hud .banner').textContent)")
    await page.wait_for_selector(".hud-top-center button", state="hidden")
    check_layout(await hud_boxes(page), viewport, touch)
    await screenshot(page, f"hud-{screen}-playing")


async def test_the_page_covers_a_notched_screen_and_keeps_the_hud_in_its_safe_area(open_page):
    page = await open_phone(open_page, "Notch", "landscape")
    assert "viewport-fit=cover" in await page.get_attribute("meta[name=viewport]", "content")
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Emulation.setSafeAreaInsetsOverride", {"insets": NOTCH})
    await enter_room_by_tap(page)
    boxes = await hud_boxes(page)
    assert {"room bar", "leave", "scoreboard", "health", "move stick", "aim stick"} <= boxes.keys()
    width, height = PHONES["landscape"]["width"], PHONES["landscape"]["height"]
    unsafe = [name for name, box in boxes.items()
              if box["left"] < NOTCH["left"] or box["top"] < NOTCH["top"]
              or box["right"] > width - NOTCH["right"] or box["bottom"] > height - NOTCH["bottom"]]
    await screenshot(page, "hud-landscape-notch")
    assert unsafe == [], boxes
    assert overlaps(boxes) == []
    assert await page.evaluate(  # what render.js reads to keep the minimap clear of the notch
        "() => getComputedStyle(document.querySelector('#arena')).scrollMarginRight") == "47px"


async def test_a_phone_scoreboard_shows_the_top_three_and_your_own_row_with_its_rank(
        open_page, connect, tickwire):
    page = await open_phone(open_page, "Me", "portrait")
    room = await enter_room_by_tap(page)
    game = tickwire.lobby.rooms[room["id"]].game
    bots = [(await (await connect(f"Bot {number}")).join(room["code"])).player_id
            for number in range(4)]
    await page.wait_for_function("(ids) => ids.every((id) => window.__tickwire.entity(id))",
                                 arg=bots)  # their ships are in the game
    for number, bot in enumerate(bots):  # they score 4, 3, 2, 1; you 0
        game.ships[bot].score = 4 - number
    mine = page.locator(".scores li.me")
    await mine.locator(".rank", has_text="5").wait_for()  # fifth, below the top three
    shown = page.locator(".scores li:visible")
    assert await shown.locator(".name").all_text_contents() == ["Bot 0", "Bot 1", "Bot 2", "Me"]
    assert await shown.locator(".rank:visible").all_text_contents() == ["5"]  # only yours
    await screenshot(page, "scoreboard-phone-own-row")

    game.ships[await player_id(page)].score = 9
    await page.wait_for_function("() => document.querySelector('.scores li.me .rank')"
                                 ".textContent === '1'")
    assert await shown.locator(".name").all_text_contents() == ["Me", "Bot 0", "Bot 1"]
    assert await shown.locator(".rank:visible").count() == 0


async def test_a_desktop_has_no_sticks_and_its_mouse_aims_and_fires(open_page, tickwire):
    page = await open_page("Mouse")  # 1280 x 720, no touch screen
    assert await page.text_content(".controls-help") == KEYBOARD_HINT
    await page.click("#create-room")
    room = await in_room(page)
    game, me = await ship_in_the_middle(page, tickwire, room)
    assert await page.is_hidden(".touch-controls")
    assert not await page.evaluate("document.querySelector('.game').classList.contains('touch')")
    assert await page.text_content(".hud .hint") == KEYBOARD_HINT

    ship_x, ship_y = await page.evaluate(
        "() => [innerWidth / 2, innerHeight / 2]")  # the camera follows the ship
    await page.mouse.click(ship_x, ship_y - 200)  # straight above the ship
    await page.wait_for_function(SOME_BULLET, arg=BULLET)
    assert bullets_of(game, me)
    # up, give or take what is left of the prediction's blending if the spawn was near the middle
    assert game.ships[me].angle == pytest.approx(-math.pi / 2, abs=0.25)
    assert await page.is_hidden(".touch-controls")
    await screenshot(page, "desktop-no-sticks")
