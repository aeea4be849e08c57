"""Fixtures shared by every test: a real, freshly migrated Postgres database per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.support import database
from zaneops.adapters.postgres.store import PostgresStore


@pytest.fixture(scope="session")
def template_database() -> Iterator[str]:
    database.drop_leftovers()
    name = database.create_template()
    yield name
    database.drop(name)


@pytest.fixture
def database_url(template_database: str) -> Iterator[str]:
    name = database.clone(template_database)
    yield database.url_for(name)
    database.drop(name)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[PostgresStore]:
    opened = await PostgresStore.open(database_url)
    yield opened
    await opened.close()
