"""In-memory stand-ins for the runtime's ports, for fast unit tests of controllers and the runner
(as httpx ships MockTransport): a store of rows that announces its changes, the change feed
that carries those announcements, and a lease that replicas of one process can contend for.

They keep the Postgres adapter's rules that a controller relies on: the generation moves only
when a spec changes, a status write that changes nothing is not a write (nor a wake-up),
deleting marks a row and its children, and a row is removed once it has no finalizer and no
child left. Integration tests still run against the real Postgres.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from zaneops.common.errors import Conflict, NotFound
from zaneops.specs.kinds import Kind, children_of
from zaneops.specs.objects import StoredObject
from zaneops.specs.status import Status

from .controller import Controller
from .ports import Change, FeedEvent, Resubscribed
from .runner import Runner
from .settings import RuntimeSettings


class InMemoryFeed:
    """The change feed: `events()` says Resubscribed, then yields what `publish` is given."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[FeedEvent] = asyncio.Queue()
        self._queue.put_nowait(Resubscribed())
        self._connected = True

    def publish(self, change: Change) -> None:
        if self._connected:
            self._queue.put_nowait(change)

    def lose_connection(self) -> None:
        """As a dropped LISTEN connection: notifications are lost until `reconnect`."""
        self._connected = False

    def reconnect(self) -> None:
        """Listening again, having missed what came meanwhile: the runner must re-list."""
        self._connected = True
        self._queue.put_nowait(Resubscribed())

    async def events(self) -> AsyncIterator[FeedEvent]:
        while True:
            yield await self._queue.get()


class InMemoryStore:
    """Rows of every kind, in memory; each change is published to every subscribed feed (one
    per replica, as each replica LISTENs on its own connection)."""

    def __init__(self) -> None:
        self._feeds: list[InMemoryFeed] = []
        self._rows: dict[tuple[Kind, UUID], StoredObject] = {}
        self.status_writes = 0

    def subscribe(self) -> InMemoryFeed:
        feed = InMemoryFeed()
        self._feeds.append(feed)
        return feed

    # --- what controllers read and write -------------------------------------------------

    async def get(self, kind: Kind, object_id: UUID) -> StoredObject | None:
        return self._rows.get((kind, object_id))

    async def list_ids(self, kind: Kind) -> list[UUID]:
        return [row.id for row in self._of_kind(kind)]

    async def list_unconverged_ids(self, kind: Kind) -> list[UUID]:
        return [row.id for row in self._of_kind(kind) if not _converged(row)]

    async def list_children(self, kind: Kind, parent_id: UUID) -> list[StoredObject]:
        return [row for row in self._of_kind(kind) if row.parent_id == parent_id]

    async def write_status(self, kind: Kind, object_id: UUID, status: Status) -> bool:
        row = self._rows.get((kind, object_id))
        if row is None or row.status == status:
            return False
        self._put(replace(row, status=status), Change(kind, object_id, status=True))
        self.status_writes += 1
        return True

    async def add_finalizer(self, kind: Kind, object_id: UUID, finalizer: str) -> bool:
        row = self._rows.get((kind, object_id))
        if row is None or row.is_deleted:
            return False
        if finalizer not in row.finalizers:
            self._rows[(kind, object_id)] = replace(row, finalizers=(*row.finalizers, finalizer))
        return True

    async def remove_finalizer(self, kind: Kind, object_id: UUID, finalizer: str) -> None:
        row = self._rows.get((kind, object_id))
        if row is None:
            return
        kept = tuple(name for name in row.finalizers if name != finalizer)
        self._rows[(kind, object_id)] = replace(row, finalizers=kept)
        self._collect(kind, object_id)

    async def update_spec(
        self,
        kind: Kind,
        object_id: UUID,
        spec: Mapping[str, Any],
        expected_generation: int | None = None,
    ) -> StoredObject:
        row = self._rows.get((kind, object_id))
        if row is None:
            raise NotFound(f"{kind.value}/{object_id} does not exist")
        if row.is_deleted:
            raise Conflict(f"{kind.value}/{object_id} is being deleted")
        if expected_generation is not None and row.generation != expected_generation:
            raise Conflict(f"{kind.value}/{object_id} is at generation {row.generation}")
        if dict(spec) != row.spec:
            row = replace(row, spec=dict(spec), generation=row.generation + 1, updated_at=_now())
            self._put(row, Change(kind, object_id))
        return row

    # --- what a test (or an API) does --------------------------------------------------------

    async def create(
        self, kind: Kind, spec: Mapping[str, Any], parent_id: UUID | None = None
    ) -> StoredObject:
        if (kind.parent is None) != (parent_id is None):
            raise ValueError(f"{kind} needs a parent id exactly when it has a parent kind")
        if kind.parent is not None and (kind.parent.kind, parent_id) not in self._rows:
            raise NotFound(f"parent {kind.parent.kind.value}/{parent_id} does not exist")
        now = _now()
        row = StoredObject(
            kind, uuid.uuid4(), dict(spec), 1, Status(), (), None, now, now, parent_id
        )
        self._put(row, Change(kind, row.id))
        return row

    async def request_delete(self, kind: Kind, object_id: UUID) -> StoredObject | None:
        """Mark the row and its children deleted; gone at once if nothing holds it."""
        self._mark_deleted(kind, object_id)
        self._collect(kind, object_id)
        return self._rows.get((kind, object_id))

    def rows(self, kind: Kind) -> list[StoredObject]:
        return self._of_kind(kind)

    # --- bookkeeping --------------------------------------------------------------------------

    def _of_kind(self, kind: Kind) -> list[StoredObject]:
        rows = [row for (k, _), row in self._rows.items() if k is kind]
        return sorted(rows, key=lambda row: row.created_at)

    def _put(self, row: StoredObject, change: Change) -> None:
        self._rows[(row.kind, row.id)] = row
        self._publish(change)

    def _publish(self, change: Change) -> None:
        for feed in self._feeds:
            feed.publish(change)

    def _mark_deleted(self, kind: Kind, object_id: UUID) -> None:
        row = self._rows.get((kind, object_id))
        if row is None or row.is_deleted:
            return
        self._put(replace(row, deleted_at=_now()), Change(kind, object_id))
        for child_kind, _ in children_of(kind):
            for child in self._of_kind(child_kind):
                if child.parent_id == object_id:
                    self._mark_deleted(child_kind, child.id)

    def _collect(self, kind: Kind, object_id: UUID) -> None:
        """Remove a deleted row nothing holds any more, then look at its parent again."""
        row = self._rows.get((kind, object_id))
        if row is None or not row.is_deleted or row.finalizers or self._has_children(row):
            return
        del self._rows[(kind, object_id)]
        self._publish(Change(kind, object_id))
        if kind.parent is not None and row.parent_id is not None:
            self._collect(kind.parent.kind, row.parent_id)

    def _has_children(self, row: StoredObject) -> bool:
        return any(
            child.parent_id == row.id
            for child_kind, _ in children_of(row.kind)
            for child in self._of_kind(child_kind)
        )


@dataclass
class _Holding:
    holder: str
    until: float


class LeaseTable:
    """One lease name's current holder, shared by the InMemoryLease of every replica."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.holding: _Holding | None = None

    def lease(self, holder: str) -> InMemoryLease:
        return InMemoryLease(self, holder)

    def expire(self) -> None:
        """As if the holder stopped renewing long ago: anyone may take it now."""
        self.holding = None


class InMemoryLease:
    def __init__(self, table: LeaseTable, holder: str) -> None:
        self._table = table
        self.holder = holder

    async def try_acquire(self, ttl_seconds: float) -> bool:
        now = self._table.clock()
        held = self._table.holding
        if held is not None and held.holder != self.holder and held.until > now:
            return False
        self._table.holding = _Holding(self.holder, now + ttl_seconds)
        return True

    async def release(self) -> None:
        held = self._table.holding
        if held is not None and held.holder == self.holder:
            self._table.holding = None


def _converged(row: StoredObject) -> bool:
    reconciled = row.status.condition("Reconciled")
    done = reconciled is not None and reconciled.status.value == "True"
    return not row.is_deleted and row.status.observed_generation == row.generation and done


def _now() -> datetime:
    return datetime.now(UTC)


# Quick enough for tests: a lapsed lease is noticed within a fraction of a second.
FAST = {
    "lease_ttl_seconds": 1.0,
    "lease_retry_seconds": 0.05,
    "backoff_base_seconds": 0.05,
    "backoff_max_seconds": 1.0,
    "resync_seconds": 3600.0,
}


@dataclass
class InMemoryWorld:
    """What `running_in_memory` wires a controller to, for the test to drive and inspect."""

    store: InMemoryStore
    feed: InMemoryFeed
    leases: LeaseTable
    runner: Runner


@asynccontextmanager
async def running_in_memory(
    controller: Controller,
    *,
    store: InMemoryStore | None = None,
    leases: LeaseTable | None = None,
    holder: str = "test",
    **settings: Any,
) -> AsyncIterator[InMemoryWorld]:
    """The controller's runner over in-memory fakes, until the block ends (then stopped as
    SIGTERM would). Changes made through `world.store` wake it as NOTIFY would."""
    store = store if store is not None else InMemoryStore()
    feed = store.subscribe()
    leases = leases or LeaseTable()
    runtime = RuntimeSettings(**{**FAST, **settings})
    runner = Runner(controller, store, feed, leases.lease(holder), runtime)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        await _settled(runner, leases, holder)
        yield InMemoryWorld(store, feed, leases, runner)
    finally:
        stop.set()
        await task


async def _settled(runner: Runner, leases: LeaseTable, holder: str, timeout: float = 5.0) -> None:
    """Listening, leading (unless another holder has the lease) and done with the first
    re-list, so that what a test does next is seen once, as a change."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        held = leases.holding
        leading = runner.elector.is_leader() or (held is not None and held.holder != holder)
        if runner.listening and leading and runner.queue.depth == 0 and not runner.busy:
            await asyncio.sleep(0.02)  # the re-list runs as a task of its own
            if runner.queue.depth == 0 and not runner.busy:
                return
        await asyncio.sleep(0.01)
    raise TimeoutError("the runner did not settle: not listening, not leading, or still busy")
