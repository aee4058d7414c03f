"""Browser end-to-end fixtures: the built bundle served by a real server on a loopback port,
Debian's Chromium driven by Playwright (never a downloaded browser), fresh pages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from server.config import ServerConfig
from tests.e2e.pages import VIEWPORT, WAIT_MS
from tests.e2e.programs import require_program
from tests.helpers import RunningServer, config_with

REPO = Path(__file__).parents[2]
WEB_ROOT = REPO / "client" / "web" / "dist"

PageFactory = Callable[..., Awaitable[Page]]


@pytest.fixture(scope="session")
def web_root() -> Path:
    """The built browser client; the tests fail (not skip) when it is missing."""
    for built in ("index.html", "app.js", "style.css"):
        if not (WEB_ROOT / built).is_file():
            pytest.fail(f"the browser bundle is not built ({WEB_ROOT / built} is missing): "
                        "run `make setup` (or `make -C client/web build`)", pytrace=False)
    return WEB_ROOT


@pytest.fixture
def server_config(web_root: Path) -> ServerConfig:
    """The test server also serves the browser client."""
    return config_with(web_root=str(web_root))


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's headless Chromium."""
    executable = require_program("chromium", "apt-get install chromium")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def open_page(browser: Browser, tickwire: RunningServer) -> AsyncIterator[PageFactory]:
    """``await open_page(name, path="/", base=None, **options)``: a fresh browser profile on the
    server's page (or on ``base``, such as a proxy in front of it) with the display name typed
    in; ``options`` go to the browser context (a phone's ``viewport``, ``has_touch``,
    ``is_mobile``). Uncaught page errors fail the test."""
    errors: list[str] = []
    contexts: list[BrowserContext] = []

    async def factory(name: str = "", path: str = "/", base: str | None = None,
                      **options: Any) -> Page:
        context = await browser.new_context(**{"viewport": VIEWPORT, **options})
        contexts.append(context)
        await context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = await context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("pageerror", lambda error: errors.append(f"{name}: {error}"))
        if name:
            await context.add_init_script(f"localStorage.setItem('tickwire.name', {name!r})")
        await page.goto((base or tickwire.url) + path)
        return page

    yield factory
    for context in contexts:  # before the server stops, so it has no open streams to wait for
        await context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
