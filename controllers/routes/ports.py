"""What the routes controller needs from the outside world; the adapters provide each, and
the unit tests hand in fakes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from zaneops.adapters.postgres.domains import DomainRow
from zaneops.adapters.redis.log_streams import HttpLine
from zaneops.specs.status import Status


class CaddyAdminPort(Protocol):
    async def read_config(self) -> bytes: ...

    async def load(self, body: bytes) -> None: ...


class DeploymentsOfServices(Protocol):
    async def latest_deployments(self, service_ids: Sequence[UUID]) -> dict[UUID, UUID]: ...


class DomainRows(DeploymentsOfServices, Protocol):
    async def live_generations(self) -> dict[UUID, int]: ...

    async def specs(self, ids: Sequence[UUID]) -> list[DomainRow]: ...

    async def statuses(self, ids: Sequence[UUID]) -> dict[UUID, tuple[int, Status]]: ...

    async def write_statuses(self, written: Sequence[tuple[UUID, int, Status]]) -> set[UUID]: ...


class HttpLogSink(Protocol):
    async def cursor(self) -> str | None: ...

    async def append(
        self, entries: Sequence[tuple[UUID, HttpLine]], expected_cursor: str | None, cursor: str
    ) -> bool: ...


class CursorStore(Protocol):
    """Where a tailed file was read up to (opaque text), kept across restarts and leaders."""

    async def get(self) -> str | None: ...

    async def set(self, value: str) -> None: ...
