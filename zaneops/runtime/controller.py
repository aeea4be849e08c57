"""What a controller is: a kind it owns, a reconcile, and an optional finalizer."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from uuid import UUID

import structlog
from prometheus_client.registry import Collector
from structlog.typing import FilteringBoundLogger

from zaneops.specs.kinds import Kind
from zaneops.specs.objects import Key, StoredObject
from zaneops.specs.status import Status

MapToKeys = Callable[[UUID], Awaitable[Sequence[Key]]]


@dataclass(frozen=True)
class Result:
    """What a reconcile reports: the status to record and when to look again."""

    status: Status | None = None
    requeue_after: float | None = None


@dataclass(frozen=True)
class Watch:
    """Changes of another kind that should wake keys of ours (e.g. a volume becoming Ready)."""

    kind: Kind
    to_keys: MapToKeys
    status_changes: bool = False  # False: spec/existence changes; True: status changes

    @property
    def channel(self) -> str:
        return self.kind.status_channel if self.status_changes else self.kind.channel


class TerminalError(Exception):
    """A failure retrying cannot fix (bad input, missing image): recorded in status, not retried."""

    def __init__(self, reason: str, message: str, status: Status | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status  # what else the status should say (e.g. Ready False), if anything


class LeaseLost(Exception):
    """This replica no longer holds the lease: stop before changing anything outside."""


@dataclass
class Context:
    """Handed to every reconcile. Call ensure_leader() right before each outside mutation."""

    key: Key
    ensure_leader: Callable[[], None]
    log: FilteringBoundLogger = field(default_factory=structlog.get_logger)


class Controller(ABC):
    """Subclass per slice. reconcile must be idempotent: it reads the world every time."""

    name: str
    kind: Kind
    finalizer: str | None = None
    watches: Sequence[Watch] = ()
    # Keys with no row: one outside object built from many rows (e.g. all of Caddy's config).
    # They are queued like any key (so bursts collapse) and handled by reconcile_global.
    global_keys: Sequence[Key] = ()
    _leadership: Callable[[], bool] | None = None

    def bind_leadership(self, is_leader: Callable[[], bool]) -> None:
        """The runner hands over its lease check before start(), for work a controller does
        outside reconciles that only one replica may do (e.g. forwarding a shared log)."""
        self._leadership = is_leader

    def is_leader(self) -> bool:
        """Whether this replica holds the lease now; False before the runner binds it."""
        return self._leadership is not None and self._leadership()

    @abstractmethod
    async def reconcile(self, ctx: Context, obj: StoredObject) -> Result:
        """Converge the outside world to obj.spec."""

    async def reconcile_global(self, ctx: Context, key: Key) -> Result:
        """Converge the outside object behind one of global_keys."""
        raise NotImplementedError(f"{self.name} declares global keys but cannot reconcile them")

    async def finalize(self, ctx: Context, obj: StoredObject) -> Result:
        """Remove outside state of a deleted obj; requeue_after means 'not done yet'."""
        return Result()

    async def find_drift(self) -> Sequence[Key]:
        """At each resync: keys whose outside state no longer matches, found in bulk.

        Converged keys are not re-reconciled one by one at each resync (10 000 specs would
        cost a core); a controller compares labels/hashes of everything it owns here instead.
        """
        return ()

    async def outside_changes(self) -> AsyncIterator[Key]:
        """Keys to look at because the outside world changed (e.g. Docker events).

        Runs for the life of the process; if it raises, the runtime restarts it after a pause.
        """
        return
        yield  # pragma: no cover - makes this an (empty) async generator

    async def forget(self, ctx: Context, key: Key) -> None:
        """The row is gone: drop any in-memory state about it."""

    def collectors(self) -> Sequence[Collector]:
        """Its own metrics, served beside the runtime's on the process's /metrics."""
        return ()

    async def start(self) -> None:
        """Open outside connections before the first reconcile."""

    async def stop(self) -> None:
        """Close them after the last reconcile."""
