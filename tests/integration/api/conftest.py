"""Fixtures of the API tests: a served API per test, and a logged-in admin client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.api import RunningApi, api_settings, log_in, serving


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[RunningApi]:
    async with serving(api_settings(database_url)) as running:
        yield running


@pytest.fixture
async def admin(api: RunningApi) -> AsyncIterator[httpx.AsyncClient]:
    client = await log_in(api)
    yield client
    await client.aclose()
