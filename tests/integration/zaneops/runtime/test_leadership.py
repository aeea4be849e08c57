"""Several replicas of one controller, as real processes: the lease decides who acts."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from datetime import datetime
from uuid import UUID

import psycopg
import pytest

from tests.support.db_recorder import CREATE_LOG
from tests.support.processes import start_controller, stop
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs.kinds import Kind

RECORDER = "tests.support.db_recorder:ENTRY"
TTL = 3.0
FAST_LEASE = {"ZANE_RUNTIME_LEASE_TTL_SECONDS": str(TTL), "ZANE_RUNTIME_LEASE_RETRY_SECONDS": "0.2"}

Interval = tuple[str, UUID, datetime, datetime | None]


@pytest.fixture
async def admin(database_url: str) -> AsyncIterator[psycopg.AsyncConnection[tuple[object, ...]]]:
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute(CREATE_LOG)
        yield conn


async def lease_holder(admin: psycopg.AsyncConnection[tuple[object, ...]]) -> str | None:
    cursor = await admin.execute(
        "SELECT holder FROM zane_leases"
        " WHERE name = 'controller:db-recorder' AND expires_at > now()"
    )
    row = await cursor.fetchone()
    return str(row[0]) if row else None


async def reconciles(admin: psycopg.AsyncConnection[tuple[object, ...]]) -> list[Interval]:
    cursor = await admin.execute(
        "SELECT holder, object_id, started_at, finished_at FROM test_reconciles ORDER BY started_at"
    )
    return [(str(h), o, s, f) for h, o, s, f in await cursor.fetchall()]  # type: ignore[misc]


async def now(admin: psycopg.AsyncConnection[tuple[object, ...]]) -> datetime:
    row = await (await admin.execute("SELECT clock_timestamp()")).fetchone()
    assert row is not None
    return row[0]  # type: ignore[return-value]


async def touch_all(store: PostgresStore, ids: list[UUID], round_: int) -> None:
    for object_id in ids:
        await store.update_spec(
            Kind.PROJECTS, object_id, {"slug": f"p-{object_id.hex[:8]}", "r": round_}
        )


async def test_only_the_leader_reconciles_and_a_follower_takes_over_within_the_ttl_after_sigkill(
    store: PostgresStore, database_url: str, admin: psycopg.AsyncConnection[tuple[object, ...]]
) -> None:
    """Two replicas: only the holder acts; SIGKILLed, the other acts within the TTL; never both."""
    ids = [(await store.create(Kind.PROJECTS, {"slug": f"p{i}"})).id for i in range(5)]
    first = start_controller(RECORDER, database_url, "first", **FAST_LEASE)
    second = None
    try:
        await eventually(lambda: lease_holder(admin), timeout=15, message="a leader")
        leader = await lease_holder(admin)
        second = start_controller(RECORDER, database_url, "second", **FAST_LEASE)
        for round_ in range(10):
            await touch_all(store, ids, round_)
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        before_kill = await reconciles(admin)
        assert {holder for holder, *_ in before_kill} == {leader}
        (first if leader == "first" else second).send_signal(signal.SIGKILL)
        killed_at = await now(admin)
        await touch_all(store, ids, 99)
        follower = "second" if leader == "first" else "first"
        await eventually(
            lambda: _holder_reconciled(admin, follower), timeout=TTL + 5, message="takeover"
        )
    finally:
        stop(first)
        if second is not None:
            stop(second)
    after = [r for r in await reconciles(admin) if r[0] == follower]
    takeover = (after[0][2] - killed_at).total_seconds()
    assert takeover <= TTL + 1.0, f"took over after {takeover:.2f} s"
    last_leader_activity = max(f or killed_at for h, _, _, f in before_kill if h == leader)
    assert after[0][2] >= min(last_leader_activity, killed_at)
    assert_no_key_reconciled_by_two_at_once(await reconciles(admin), killed_at)


async def _holder_reconciled(
    admin: psycopg.AsyncConnection[tuple[object, ...]], holder: str
) -> bool:
    return any(r[0] == holder for r in await reconciles(admin))


def assert_no_key_reconciled_by_two_at_once(rows: list[Interval], killed_at: datetime) -> None:
    for holder, key, started, finished in rows:
        end = finished or killed_at
        for other, other_key, other_started, other_finished in rows:
            if other == holder or other_key != key:
                continue
            other_end = other_finished or killed_at
            assert end <= other_started or other_end <= started, (key, holder, other)


async def test_sigterm_finishes_the_current_reconcile_and_hands_the_lease_over_at_once(
    store: PostgresStore, database_url: str, admin: psycopg.AsyncConnection[tuple[object, ...]]
) -> None:
    """SIGTERM mid-reconcile: it completes, the lease is released, the follower takes over now."""
    slow = {**FAST_LEASE, "ZANE_RUNTIME_LEASE_TTL_SECONDS": "30", "RECORDER_DELAY": "1.5"}
    leader = start_controller(RECORDER, database_url, "leader", **slow)
    follower = None
    try:
        await eventually(lambda: lease_holder(admin), timeout=15, message="a leader")
        follower = start_controller(RECORDER, database_url, "follower", **slow)
        project = await store.create(Kind.PROJECTS, {"slug": "slow"})
        await eventually(lambda: _holder_reconciled(admin, "leader"), message="reconcile started")
        leader.send_signal(signal.SIGTERM)
        exit_code = await asyncio.to_thread(leader.wait, 20)
        await store.update_spec(Kind.PROJECTS, project.id, {"slug": "slow", "after": True})
        took = await eventually(
            lambda: _holder_reconciled(admin, "follower"), timeout=10, message="handover"
        )
    finally:
        stop(leader)
        if follower is not None:
            stop(follower)
    assert exit_code == 0
    leader_rows = [r for r in await reconciles(admin) if r[0] == "leader"]
    assert all(finished is not None for *_, finished in leader_rows), "reconcile was cut short"
    assert took < 5, "the follower waited for the lease to expire (TTL 30 s)"
