"""Finalizers through the runtime: two controllers own outside state of the same rows."""

from __future__ import annotations

from tests.support.controllers import RecordingController
from tests.support.runtime import running
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs.kinds import Kind


async def test_a_deleted_row_disappears_only_after_every_owning_controller_finalized_it(
    store: PostgresStore, database_url: str
) -> None:
    """Both controllers add their finalizer; the row stays until the slower one has cleaned up."""
    swarm = RecordingController(name="swarm-owner", finalizer="swarm.zaneops.dev/cleanup")
    proxy = RecordingController(name="proxy-owner", finalizer="proxy.zaneops.dev/cleanup")
    proxy.hold_finalize = True  # its outside cleanup is not done yet
    project = await store.create(Kind.PROJECTS, {"slug": "owned"})
    async with running(swarm, database_url), running(proxy, database_url):

        async def both_finalizers_present() -> bool:
            row = await store.get(Kind.PROJECTS, project.id)
            return row is not None and len(row.finalizers) == 2

        await eventually(both_finalizers_present, message="finalizers added")
        await store.request_delete(Kind.PROJECTS, project.id)

        async def only_proxy_finalizer_left() -> bool:
            row = await store.get(Kind.PROJECTS, project.id)
            return row is not None and row.finalizers == ("proxy.zaneops.dev/cleanup",)

        await eventually(only_proxy_finalizer_left, message="first cleanup")
        lingering = await store.get(Kind.PROJECTS, project.id)
        proxy.hold_finalize = False
        await eventually(lambda: project.id in proxy.finalized, message="second cleanup")

        async def row_gone() -> bool:
            return await store.get(Kind.PROJECTS, project.id) is None

        await eventually(row_gone, message="row removed")
    assert lingering is not None and lingering.is_deleted, "the row waited for the proxy owner"
    assert swarm.finalized == [project.id] and proxy.finalized == [project.id]


async def test_a_row_deleted_before_its_controller_saw_it_leaves_nothing_to_clean(
    store: PostgresStore, database_url: str
) -> None:
    """No finalizer yet means no outside state yet: deletion is immediate and forget() runs."""
    owner = RecordingController(finalizer="swarm.zaneops.dev/cleanup")
    project = await store.create(Kind.PROJECTS, {"slug": "brief"})
    assert await store.request_delete(Kind.PROJECTS, project.id) is None
    async with running(owner, database_url):
        await store.create(Kind.PROJECTS, {"slug": "other"})
        await eventually(lambda: len(owner.seen) >= 1)
    assert all(seen.id != project.id for seen in owner.seen)
