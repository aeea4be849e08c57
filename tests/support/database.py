"""Throw-away databases cloned from one migrated template, so each test starts clean."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from zaneops.adapters.postgres.migrate import upgrade_to_head

SERVER_URL = os.environ.get("ZANE_TEST_SERVER_URL", "postgresql://zane:zane@127.0.0.1:5432")
MAINTENANCE_DB = "zane"
# Names carry their creation time: several engineers' runs share this server, so a run drops
# only databases old enough to be leftovers of a killed run, never another run's live ones.
# (Not "zane_t_": LIKE 'zane_t_%' of older runs would match it and drop ours.)
TEST_PREFIX = "ztest_"
LEFTOVER_AGE_SECONDS = 3 * 3600
RUN_TAG = uuid.uuid4().hex[:6]


def _new_name() -> str:
    return f"{TEST_PREFIX}{int(time.time())}_{uuid.uuid4().hex[:8]}"


def _is_leftover(name: str) -> bool:
    created = name.removeprefix(TEST_PREFIX).split("_", 1)[0]
    return not created.isdigit() or time.time() - int(created) > LEFTOVER_AGE_SECONDS


def url_for(database: str) -> str:
    return f"{SERVER_URL}/{database}"


@contextmanager
def maintenance() -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(url_for(MAINTENANCE_DB), autocommit=True) as conn:
        yield conn


def drop_leftovers() -> None:
    """A killed run leaves its databases behind; remove the old ones before starting."""
    with maintenance() as conn:
        names = conn.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (TEST_PREFIX,)
        ).fetchall()
        for (name,) in names:
            if not _is_leftover(name):
                continue
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def create_template() -> str:
    name = f"{TEST_PREFIX}{int(time.time())}_template_{RUN_TAG}"
    with maintenance() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    upgrade_to_head(url_for(name))
    return name


def clone(template: str) -> str:
    name = _new_name()
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
    name = _new_name()
    with maintenance() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name
