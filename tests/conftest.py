"""Fixtures shared by every test: a real, freshly migrated Postgres database per test, and real
receivers of notifications on loopback (an HTTP server, an SMTP server)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.support import database
from tests.support.receivers import HttpReceiver, Mailbox, http_receiver, smtp_mailbox
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


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as started:
        yield started


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_mailbox() as started:
        yield started
