"""Throw-away databases cloned from one migrated template, so each test starts clean."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from zaneops.adapters.postgres.migrate import upgrade_to_head

SERVER_URL = os.environ.get("ZANE_TEST_SERVER_URL", "postgresql://zane:zane@127.0.0.1:5432")
MAINTENANCE_DB = "zane"
# Several checkouts may run their suites at once on one server: each can pick its own prefix,
# so one run's clean-up never drops another's databases.
TEST_PREFIX = os.environ.get("ZANE_TEST_DB_PREFIX", "zane_t_")


def url_for(database: str) -> str:
    return f"{SERVER_URL}/{database}"


@contextmanager
def maintenance() -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(url_for(MAINTENANCE_DB), autocommit=True) as conn:
        yield conn


def drop_leftovers() -> None:
    """A killed run leaves its databases behind; remove them before starting."""
    with maintenance() as conn:
        names = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (TEST_PREFIX + "%",)
        ).fetchall()
        for (name,) in names:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def create_template() -> str:
    name = f"{TEST_PREFIX}template"
    with maintenance() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    upgrade_to_head(url_for(name))
    return name


def clone(template: str) -> str:
    name = f"{TEST_PREFIX}{uuid.uuid4().hex[:12]}"
    with maintenance() as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    return name


def drop(name: str) -> None:
    with maintenance() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def clone_empty() -> str:
    """A database with no schema at all, to exercise migrations themselves."""
    name = f"{TEST_PREFIX}{uuid.uuid4().hex[:12]}"
    with maintenance() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name
