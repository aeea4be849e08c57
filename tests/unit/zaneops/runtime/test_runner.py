"""The runner's semantics, over the runtime's in-memory fakes (no Postgres): what a controller
can rely on. tests/integration/zaneops/runtime/ shows the same against the real database."""

from __future__ import annotations

import asyncio
import uuid

from tests.support.controllers import RecordingController
from tests.support.waiting import eventually
from zaneops.runtime.controller import Context, Result
from zaneops.runtime.testing import InMemoryStore, LeaseTable, running_in_memory
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import Key, StoredObject
from zaneops.specs.project import ProjectSpec
from zaneops.specs.status import ConditionStatus


async def test_a_new_row_is_reconciled_and_marked_reconciled_at_its_generation() -> None:
    """Create → one reconcile → status Reconciled True, observed_generation 1."""
    controller = RecordingController()
    async with running_in_memory(controller) as world:
        row = await world.store.create(Kind.PROJECTS, {"slug": "a"})
        await eventually(lambda: len(controller.reconciles_of(row.id)) == 1)

        async def reconciled() -> bool:
            found = await world.store.get(Kind.PROJECTS, row.id)
            condition = found.status.condition("Reconciled") if found else None
            return (
                condition is not None
                and found is not None
                and (
                    condition.status is ConditionStatus.TRUE
                    and found.status.observed_generation == 1
                )
            )

        await eventually(reconciled, message="Reconciled at generation 1")


async def test_changes_during_a_reconcile_collapse_into_one_more_and_never_overlap() -> None:
    """Ten edits while a slow reconcile runs: it runs again (once or twice), never twice at
    once, and the last run sees the last generation."""
    controller = RecordingController(delay=0.2)
    async with running_in_memory(controller) as world:
        row = await world.store.create(Kind.PROJECTS, {"slug": "a", "n": 0})
        await eventually(lambda: len(controller.reconciles_of(row.id)) == 1)
        for n in range(1, 11):
            await world.store.update_spec(Kind.PROJECTS, row.id, {"slug": "a", "n": n})
        await eventually(lambda: controller.reconciles_of(row.id)[-1].generation == 11)
        await asyncio.sleep(0.3)
    assert controller.overlaps == 0
    assert 2 <= len(controller.reconciles_of(row.id)) <= 3


async def test_a_failing_reconcile_is_retried_with_backoff_and_the_failure_is_recorded() -> None:
    """The outside world is down: retried (not in a hot loop), status says why; once it is
    back, the next retry succeeds and the status is Reconciled again."""
    controller = RecordingController()
    controller.fail = True
    async with running_in_memory(controller) as world:
        row = await world.store.create(Kind.PROJECTS, {"slug": "a"})
        await eventually(lambda: len(controller.reconciles_of(row.id)) >= 3)

        async def failure_recorded() -> bool:
            found = await world.store.get(Kind.PROJECTS, row.id)
            condition = found.status.condition("Reconciled") if found else None
            return condition is not None and condition.reason == "ReconcileError"

        await eventually(failure_recorded)
        tries = controller.reconciles_of(row.id)
        assert tries[2].at - tries[0].at >= 0.05 + 0.1 * 0.9  # doubling delays, some jitter
        controller.fail = False

        async def recovered() -> bool:
            found = await world.store.get(Kind.PROJECTS, row.id)
            condition = found.status.condition("Reconciled") if found else None
            return condition is not None and condition.status is ConditionStatus.TRUE

        await eventually(recovered)


async def test_a_terminal_error_is_recorded_and_not_retried() -> None:
    """A spec that can never work: status says so once; no retry until the spec changes."""
    controller = RecordingController()
    controller.terminal = True
    async with running_in_memory(controller) as world:
        row = await world.store.create(Kind.PROJECTS, {"slug": "a"})

        async def recorded() -> bool:
            found = await world.store.get(Kind.PROJECTS, row.id)
            condition = found.status.condition("Reconciled") if found else None
            return condition is not None and condition.reason == "BadSpec"

        await eventually(recorded)
        await asyncio.sleep(0.3)
        assert len(controller.reconciles_of(row.id)) == 1


async def test_a_stored_spec_that_does_not_validate_is_terminal_and_names_the_field() -> None:
    """A row written by hand (not through the API): its status names the field and the
    reason, and it is not retried until the spec changes."""
    controller = RecordingController()
    controller.validate_as = ProjectSpec
    async with running_in_memory(controller) as world:
        row = await world.store.create(Kind.PROJECTS, {"slug": "Not A Slug", "name": "x"})

        async def recorded() -> bool:
            found = await world.store.get(Kind.PROJECTS, row.id)
            condition = found.status.condition("Reconciled") if found else None
            return condition is not None and condition.reason == "InvalidSpec"

        await eventually(recorded)
        found = await world.store.get(Kind.PROJECTS, row.id)
        condition = found.status.condition("Reconciled") if found else None
        assert condition is not None and condition.message.startswith(
            "a stored ProjectSpec is not valid: slug: "
        )
        await asyncio.sleep(0.3)
        assert len(controller.reconciles_of(row.id)) == 1
        await world.store.update_spec(Kind.PROJECTS, row.id, {"slug": "fixed", "name": "x"})
        await eventually(lambda: len(controller.reconciles_of(row.id)) == 2)


async def test_a_replica_without_the_lease_changes_nothing_until_the_lease_lapses() -> None:
    """Another holder has the lease: no reconcile; it expires: this replica takes over and
    reconciles what was created meanwhile (the re-list on election)."""
    controller = RecordingController()
    leases = LeaseTable()
    assert await leases.lease("someone-else").try_acquire(3600)
    async with running_in_memory(controller, leases=leases) as world:
        row = await world.store.create(Kind.PROJECTS, {"slug": "a"})
        await asyncio.sleep(0.3)
        assert controller.reconciles_of(row.id) == []
        leases.expire()
        # Once at least: the queued change and the re-list on election may both run it.
        await eventually(lambda: len(controller.reconciles_of(row.id)) >= 1)
        assert world.runner.elector.is_leader()


async def test_a_deleted_row_is_finalized_then_removed() -> None:
    """Deleting marks the row; the controller's finalize runs; the row is then gone."""
    controller = RecordingController(finalizer="recorder/outside")
    async with running_in_memory(controller) as world:
        row = await world.store.create(Kind.PROJECTS, {"slug": "a"})

        async def has_finalizer() -> bool:
            found = await world.store.get(Kind.PROJECTS, row.id)
            return found is not None and "recorder/outside" in found.finalizers

        await eventually(has_finalizer)
        assert await world.store.request_delete(Kind.PROJECTS, row.id) is not None

        async def gone() -> bool:
            return await world.store.get(Kind.PROJECTS, row.id) is None

        await eventually(gone, message="row removed after finalize")
        assert controller.finalized == [row.id]


async def test_rows_missed_while_disconnected_are_found_by_the_relist() -> None:
    """A row written while the feed was down wakes nothing; the re-list after reconnecting
    finds it anyway."""
    controller = RecordingController()
    async with running_in_memory(controller) as world:
        await eventually(lambda: world.runner.listening)
        world.feed.lose_connection()
        row = await world.store.create(Kind.PROJECTS, {"slug": "missed"})
        await asyncio.sleep(0.2)
        assert controller.reconciles_of(row.id) == []
        world.feed.reconnect()
        await eventually(lambda: len(controller.reconciles_of(row.id)) == 1)


class GlobalAndRows(RecordingController):
    """A controller with one global key beside its rows (as the routes controller's load)."""

    global_keys = (Key(Kind.PROJECTS, uuid.UUID(int=0)),)

    def __init__(self) -> None:
        super().__init__(delay=0.001)
        self.order: list[str] = []

    async def reconcile(self, ctx: Context, obj: StoredObject) -> Result:
        self.order.append("row")
        return await super().reconcile(ctx, obj)

    async def reconcile_global(self, ctx: Context, key: Key) -> Result:
        self.order.append("global")
        return Result()


async def test_at_start_the_global_keys_go_before_the_rows() -> None:
    """200 rows exist at start: the global key (a whole slice at once) is not queued
    behind them, so the world is converged before the per-row reconciles are through."""
    store = InMemoryStore()
    for n in range(200):
        await store.create(Kind.PROJECTS, {"slug": f"p{n}"})
    controller = GlobalAndRows()
    async with running_in_memory(controller, store=store, workers=1):
        await eventually(lambda: controller.order.count("row") == 200)
    assert controller.order[0] == "global"
