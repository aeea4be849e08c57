"""What the runtime needs from the outside world; the Postgres adapter provides each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject
from zaneops.specs.status import Status


@dataclass(frozen=True)
class Change:
    """A notification: this row's spec/existence (or, if `status`, its status) changed."""

    kind: Kind
    id: UUID
    status: bool = False


@dataclass(frozen=True)
class Resubscribed:
    """The feed (re)connected; anything may have been missed, so re-list."""


FeedEvent = Change | Resubscribed


class ChangeFeed(Protocol):
    def events(self) -> AsyncIterator[FeedEvent]: ...


class Lease(Protocol):
    async def try_acquire(self, ttl_seconds: float) -> bool: ...

    async def release(self) -> None: ...


class ObjectStore(Protocol):
    async def get(self, kind: Kind, object_id: UUID) -> StoredObject | None: ...

    async def list_ids(self, kind: Kind) -> list[UUID]: ...

    async def list_unconverged_ids(self, kind: Kind) -> list[UUID]: ...

    async def write_status(self, kind: Kind, object_id: UUID, status: Status) -> bool: ...

    async def add_finalizer(self, kind: Kind, object_id: UUID, finalizer: str) -> bool: ...

    async def remove_finalizer(self, kind: Kind, object_id: UUID, finalizer: str) -> None: ...
