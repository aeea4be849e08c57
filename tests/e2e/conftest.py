"""End-to-end fixtures: the real proxy and controllers, and the built dashboard served by a real
API, driven in Debian's Chromium."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright

from tests.support.api import ADMIN_PASSWORD, REDIS_URL, api_settings, log_in, serving
from tests.support.dashboard import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO,
    Served,
    build_dashboard,
    serve_api,
)
from tests.support.platform_bed import Converging, converging, proxy_of_its_own
from tests.support.proxy import Proxy
from zaneops.common.secrets import new_key

SCREENSHOTS = REPO / "artifacts" / "screenshots"
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The whole platform, a browser: the real infrastructure and then some."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.e2e)


DESKTOP: ViewportSize = {"width": 1280, "height": 860}


@pytest.fixture(scope="session")
def built_dashboard() -> None:
    build_dashboard()


@pytest.fixture(scope="module")
def proxy() -> Iterator[Proxy]:
    with proxy_of_its_own("e2e") as started:
        yield started


@pytest.fixture
def secret_key() -> str:
    """Shared by the API (which seals secret variables) and the services controller (opens them)."""
    return new_key()


@pytest.fixture
def routes_settings() -> dict[str, Any]:
    """What a test module changes of the routes controller's settings (e.g. its access log)."""
    return {}


@pytest.fixture
async def controllers(
    proxy: Proxy, database_url: str, secret_key: str, routes_settings: dict[str, Any]
) -> AsyncIterator[Converging]:
    async with converging(proxy, database_url, secret_key, **routes_settings) as running:
        yield running


@pytest.fixture
async def platform(
    controllers: None, database_url: str, secret_key: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The API on the controllers' database and secret key, logged in as admin."""
    async with serving(api_settings(database_url, secret_key=secret_key)) as api:
        client = await log_in(api)
        yield client
        await client.aclose()


@pytest.fixture
def redis_prefix() -> str:
    return f"zane:test:e2e:{uuid.uuid4().hex[:10]}:"


@pytest.fixture
def dashboard_env() -> dict[str, str]:
    """What a test module adds to the dashboard's API process (e.g. the metrics store)."""
    return {}


@pytest.fixture
def dashboard(  # noqa: PLR0917 - fixtures, by name
    built_dashboard: None,
    database_url: str,
    redis_prefix: str,
    secret_key: str,
    tmp_path: Path,
    dashboard_env: dict[str, str],
) -> Iterator[Served]:
    env = {
        "ZANE_DATABASE_URL": database_url,
        "ZANE_REDIS_URL": REDIS_URL,
        "ZANE_API_REDIS_PREFIX": redis_prefix,
        "ZANE_API_COOKIE_SECURE": "false",
        "ZANE_SECRET_KEY": secret_key,
        "ZANE_API_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "ZANE_API_SSE_BLOCK_MS": "300",
        "ZANE_API_DB_POOL_SIZE": "4",
        **dashboard_env,
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


async def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
