"""The runtime against real Postgres: bursts, lost notifications, backoff, terminal errors."""

from __future__ import annotations

import asyncio
import itertools
import uuid

import psycopg

from tests.support.controllers import RecordingController
from tests.support.database import MAINTENANCE_DB, url_for
from tests.support.runtime import running
from tests.support.waiting import eventually
from zaneops.adapters.postgres.feed import FEED_APPLICATION_NAME
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.runtime.controller import Context, Result
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import Key
from zaneops.specs.status import ConditionStatus


async def test_a_burst_of_updates_collapses_into_few_reconciles_ending_on_the_last_spec(
    store: PostgresStore, database_url: str
) -> None:
    """100 committed updates to one spec → far fewer reconciles; the last one sees the last spec."""
    controller = RecordingController(delay=0.05)
    project = await store.create(Kind.PROJECTS, {"slug": "burst", "n": 0})
    async with running(controller, database_url):
        await eventually(lambda: len(controller.reconciles_of(project.id)) >= 1)
        for n in range(1, 101):
            await store.update_spec(Kind.PROJECTS, project.id, {"slug": "burst", "n": n})
        await eventually(
            lambda: controller.seen[-1].spec["n"] == 100, message="last spec reconciled"
        )
        await asyncio.sleep(0.5)  # let any straggler run, to count it
    count = len(controller.reconciles_of(project.id))
    assert count <= 25, f"{count} reconciles for 100 updates"
    assert controller.seen[-1].spec["n"] == 100
    assert controller.overlaps == 0
    final = await store.get(Kind.PROJECTS, project.id)
    assert final is not None and final.status.observed_generation == final.generation == 101


async def test_changes_committed_while_listen_is_down_are_recovered_by_the_relist(
    store: PostgresStore, database_url: str
) -> None:
    """Notifications lost to a killed LISTEN connection are found by the re-list on reconnect."""
    controller = RecordingController()
    async with running(controller, database_url):
        db = database_url.rsplit("/", 1)[1]
        maintenance_url = url_for(MAINTENANCE_DB)
        async with await psycopg.AsyncConnection.connect(maintenance_url, autocommit=True) as admin:
            # Keep the feed from reconnecting until the changes are committed.
            await admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS false')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = %s AND datname = %s",
                (FEED_APPLICATION_NAME, db),
            )
            created = [await store.create(Kind.PROJECTS, {"slug": f"lost-{i}"}) for i in range(5)]
            await asyncio.sleep(1.0)
            assert not any(controller.reconciles_of(p.id) for p in created), "feed was not down"
            await admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
        took = await eventually(
            lambda: all(controller.reconciles_of(p.id) for p in created),
            timeout=15,
            message="all lost changes reconciled",
        )
    assert took < 15  # resync is 3600 s here: only the re-list can have found them


async def test_a_failing_reconcile_backs_off_exponentially_and_recovers(
    store: PostgresStore, database_url: str
) -> None:
    """Retries of a failing key space out, doubling each time, and it converges once fixed."""
    controller = RecordingController()
    controller.fail = True
    project = await store.create(Kind.PROJECTS, {"slug": "flaky"})
    async with running(controller, database_url, backoff_base_seconds=0.1) as runner:
        await eventually(lambda: len(controller.reconciles_of(project.id)) >= 6, timeout=20)
        failing = await store.get(Kind.PROJECTS, project.id)
        controller.fail = False
        await eventually(lambda: runner.backoff.failures(project.key) == 0, timeout=20)
    attempts = [seen.at for seen in controller.reconciles_of(project.id)]
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts[:6])]
    assert gaps[0] >= 0.09, gaps  # the 0.1 s base delay
    assert all(later > 1.6 * earlier for earlier, later in itertools.pairwise(gaps)), gaps
    assert failing is not None
    condition = failing.status.condition("Reconciled")
    assert condition is not None and condition.status is ConditionStatus.FALSE
    assert "outside world is down" in condition.message
    healed = await store.get(Kind.PROJECTS, project.id)
    assert healed is not None
    assert healed.status.condition("Reconciled").status is ConditionStatus.TRUE  # type: ignore[union-attr]


async def test_a_terminal_error_is_recorded_in_status_and_not_retried(
    store: PostgresStore, database_url: str
) -> None:
    """TerminalError → Reconciled=False with its reason; no retry until the spec changes."""
    controller = RecordingController()
    controller.terminal = True
    project = await store.create(Kind.PROJECTS, {"slug": "doomed"})
    async with running(controller, database_url):
        await eventually(lambda: len(controller.reconciles_of(project.id)) >= 1)
        await asyncio.sleep(1.5)
        tries = len(controller.reconciles_of(project.id))
        failed = await store.get(Kind.PROJECTS, project.id)
        controller.terminal = False
        await store.update_spec(Kind.PROJECTS, project.id, {"slug": "doomed", "fixed": True})
        await eventually(lambda: len(controller.reconciles_of(project.id)) > tries)
    assert tries == 1  # its own status write does not wake it
    assert failed is not None
    condition = failed.status.condition("Reconciled")
    assert condition is not None and condition.reason == "BadSpec"
    assert failed.status.observed_generation == failed.generation


async def test_requeue_after_brings_a_key_back_without_any_change(
    store: PostgresStore, database_url: str
) -> None:
    """A reconcile asking requeue_after=0.3 runs again by itself, roughly that often."""
    controller = RecordingController()
    controller.requeue_after = 0.3
    project = await store.create(Kind.PROJECTS, {"slug": "poll"})
    async with running(controller, database_url):
        await eventually(lambda: len(controller.reconciles_of(project.id)) >= 5, timeout=5)
    attempts = [seen.at for seen in controller.reconciles_of(project.id)]
    assert attempts[4] - attempts[2] >= 0.5


async def test_the_same_key_is_never_reconciled_twice_at_once_with_many_workers(
    store: PostgresStore, database_url: str
) -> None:
    """8 workers, 10 keys, constant changes: no key ever runs in two workers at once."""
    controller = RecordingController(delay=0.02)
    projects = [await store.create(Kind.PROJECTS, {"slug": f"k{i}"}) for i in range(10)]
    async with running(controller, database_url, workers=8):
        for round_ in range(20):
            for project in projects:
                await store.update_spec(
                    Kind.PROJECTS, project.id, {"slug": project.spec["slug"], "r": round_}
                )
        await eventually(
            lambda: all(controller.reconciles_of(p.id)[-1].spec.get("r") == 19 for p in projects),
            timeout=20,
        )
    assert controller.overlaps == 0


async def test_a_global_key_is_reconciled_at_start_and_collapses_like_any_key(
    store: PostgresStore, database_url: str
) -> None:
    """A controller's global key (no row) runs after the start-up re-list, via reconcile_global."""
    controller = GlobalKeyController()
    async with running(controller, database_url) as runner:
        await eventually(lambda: controller.global_runs >= 1, message="global key at start")
        for _ in range(50):
            runner.queue.add(GLOBAL)
        await eventually(lambda: runner.queue.depth == 0 and runner.queue.running == 0)
    assert 2 <= controller.global_runs <= 3  # the start-up run, then the 50 adds collapsed


GLOBAL = Key(Kind.PROJECTS, uuid.UUID(int=0))


class GlobalKeyController(RecordingController):
    global_keys = (GLOBAL,)

    def __init__(self) -> None:
        super().__init__(name="global")
        self.global_runs = 0

    async def reconcile_global(self, ctx: Context, key: Key) -> Result:
        self.global_runs += 1
        await asyncio.sleep(0.05)
        return Result()
