"""Browser tests: the built dashboard, served by a real API, driven in Debian's Chromium."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright
from redis.asyncio import Redis

from tests.support.api import ADMIN_PASSWORD, REDIS_URL
from tests.support.dashboard import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO,
    Served,
    build_dashboard,
    serve_api,
)
from zaneops.secrets import new_key

SCREENSHOTS = REPO / "artifacts" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 860}


@pytest.fixture(scope="session")
def built_dashboard() -> None:
    build_dashboard()


@pytest.fixture
def redis_prefix() -> str:
    return f"zane:test:e2e:{uuid.uuid4().hex[:10]}:"


@pytest.fixture
def dashboard(
    built_dashboard: None, database_url: str, redis_prefix: str, tmp_path: Path
) -> Iterator[Served]:
    env = {
        "ZANE_DATABASE_URL": database_url,
        "ZANE_REDIS_URL": REDIS_URL,
        "ZANE_API_REDIS_PREFIX": redis_prefix,
        "ZANE_COOKIE_SECURE": "false",
        "ZANE_SECRET_KEY": new_key(),
        "ZANE_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "ZANE_SSE_BLOCK_MS": "300",
        "ZANE_DB_POOL_SIZE": "4",
    }
    with serve_api(env, tmp_path / "api.log") as served:
        yield served


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: tests/infra/up.sh installs it")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Browser, dashboard: Served) -> AsyncIterator[Page]:
    context = await browser.new_context(
        base_url=dashboard.base_url, viewport={"width": 1280, "height": 860}
    )
    context.set_default_timeout(10_000)
    opened = await context.new_page()
    yield opened
    await context.close()


@pytest.fixture
async def redis(redis_prefix: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    keys = [key async for key in client.scan_iter(match=redis_prefix + "*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
